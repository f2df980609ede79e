"""GDPR erasure: nothing of the customer is left, in the CRM or the tracker store."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Iterator

import pytest
import sqlalchemy as sa

from crm_backend.analytics.tracker_events import EVENTS, TrackerEvents
from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import (
    AuditLog,
    DataRequestStatus,
    Interaction,
    Invoice,
    Order,
    OrderStatus,
    OutboxStatus,
    Ticket,
)
from crm_backend.services.data_erasure import ERASED, OrdersInProgress, erase_customer
from tests.conftest import DatabaseFactory
from tests.crm_backend.services.privacy_data import (
    ALICE,
    BOB,
    leftovers,
    seed_person,
    snapshot,
    store_chats,
    tracker_count,
)


@pytest.fixture
def tracker(database_factory: DatabaseFactory) -> Iterator[TrackerEvents]:
    events = TrackerEvents(database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}"))
    EVENTS.metadata.create_all(events.engine)  # what Rasa's SQLTrackerStore creates
    yield events
    events.dispose()


def tracker_leftovers(tracker: TrackerEvents, needles) -> list:
    with tracker.engine.connect() as conn:
        rows = [" ".join(map(str, row)) for row in conn.execute(sa.select(EVENTS))]
    return [n for n in needles for text in rows if n.casefold() in text.casefold()]


def test_erasure_leaves_nothing_of_the_customer(uow_factory, engine, tracker):
    alice = seed_person(uow_factory, ALICE)
    bob = seed_person(uow_factory, BOB)
    store_chats(tracker, ALICE)
    store_chats(tracker, BOB)
    bob_events = tracker_count(tracker, BOB)
    alice_needles = (*ALICE.needles, *(ALICE.conversation(n) for n in (1, 2, 3)))
    assert leftovers(engine, alice_needles)  # the search does find them before

    result = erase_customer(
        uow_factory(), alice.customer_id, tracker, alice.delete_request_id, actor="staff:ada"
    )

    assert leftovers(engine, alice_needles) == []
    assert tracker_leftovers(tracker, alice_needles) == []
    assert tracker_count(tracker, ALICE) == 0 and result.tracker_events_deleted == 12
    assert tracker_count(tracker, BOB) == bob_events  # another customer's chats are intact
    assert len(leftovers(engine, BOB.needles)) > 10, "Bob's CRM data is untouched"
    assert result.request_ids == [alice.delete_request_id] and not result.already_erased
    with uow_factory() as uow:
        customer = uow.customers.get(alice.customer_id)
        assert customer.anonymised and customer.deleted_at and not customer.is_active
        assert customer.addresses == [] and customer.country == "GB"
        order = uow.session.get(Order, alice.order_id)  # kept for tax law, without address
        assert order.total == Decimal("40.00") and order.ship_country == "GB"
        assert order.ship_name is None and order.tracking_number is None
        [invoice] = uow.session.execute(
            sa.select(Invoice).where(Invoice.order_id == alice.order_id)
        ).scalars().all()  # fmt: skip
        assert (invoice.invoice_number, invoice.amount) == (alice.invoice_number, Decimal("40"))
        assert [i.amount for i in order.payments] == [Decimal("40.00")]
        request = uow.data_requests.get(alice.delete_request_id)
        assert request.status == DataRequestStatus.COMPLETED and request.completed_at
        export = uow.data_requests.get(alice.export_request_id)
        assert export.status == DataRequestStatus.PENDING  # only deletion requests
        assert uow.data_requests.get(bob.delete_request_id).status == DataRequestStatus.PENDING
        # statistics rows stay, linked by random pseudonyms instead of conversation ids
        interactions = uow.session.execute(
            sa.select(Interaction).where(Interaction.customer_id == alice.customer_id)
        ).scalars().all()  # fmt: skip
        assert len(interactions) == 2
        assert all(i.conversation_id.startswith("erased-") for i in interactions)
        ticket = uow.session.execute(
            sa.select(Ticket).where(Ticket.customer_id == alice.customer_id)
        ).scalar_one()
        assert ticket.conversation_id in {i.conversation_id for i in interactions}
        assert ticket.notes is None and ticket.tags == ["complaint"]
        assert {m.status for m in uow.outbox.list()} >= {OutboxStatus.FAILED}  # never sent
        assert uow.scores.get(alice.customer_id) is None
        [entry] = uow.session.execute(
            sa.select(AuditLog).where(AuditLog.action == ERASED)
        ).scalars().all()  # fmt: skip
        assert entry.actor == "staff:ada" and entry.entity_id == str(alice.customer_id)
        assert entry.details["request_ids"] == [alice.delete_request_id]
        assert entry.details["records"]["conversation_messages"] == 1

    # idempotent: a second run changes nothing at all and writes no second audit entry
    before = snapshot(engine)
    again = erase_customer(uow_factory(), alice.customer_id, tracker)
    assert again.already_erased and again.total == 0 and again.request_ids == []
    assert snapshot(engine) == before
    assert tracker_count(tracker, BOB) == bob_events


def test_erasure_is_refused_while_orders_are_in_progress(uow_factory, engine, tracker):
    alice = seed_person(uow_factory, ALICE, order_status=OrderStatus.SHIPPED)
    store_chats(tracker, ALICE)
    before = snapshot(engine)
    with pytest.raises(OrdersInProgress) as refused:
        erase_customer(uow_factory(), alice.customer_id, tracker, alice.delete_request_id)
    assert "still in progress" in refused.value.message and refused.value.numbers
    assert snapshot(engine) == before and tracker_count(tracker, ALICE) == 12


def test_requests_must_be_deletion_requests_of_that_customer(uow_factory, tracker):
    alice = seed_person(uow_factory, ALICE)
    bob = seed_person(uow_factory, BOB)
    with pytest.raises(ValidationError):
        erase_customer(uow_factory(), alice.customer_id, tracker, alice.export_request_id)
    with pytest.raises(ValidationError):
        erase_customer(uow_factory(), alice.customer_id, tracker, bob.delete_request_id)
    with pytest.raises(NotFound):
        erase_customer(uow_factory(), 987_654, tracker)
    with uow_factory() as uow:
        assert uow.customers.get(alice.customer_id).is_active


def test_erasure_without_a_tracker_table_still_erases_the_crm(
    uow_factory, engine, database_factory
):
    alice = seed_person(uow_factory, ALICE)
    empty = TrackerEvents(database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}"))
    try:
        result = erase_customer(uow_factory(), alice.customer_id, empty)
    finally:
        empty.dispose()
    assert result.tracker_events_deleted == 0 and result.request_ids == [alice.delete_request_id]
    assert leftovers(engine, ALICE.needles) == []
