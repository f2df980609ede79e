"""GDPR export: everything held on a customer, from every table, and nothing of others."""

from __future__ import annotations

import json
import uuid
from typing import Iterator

import pytest

from crm_backend.analytics.tracker_events import EVENTS, TrackerEvents
from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import DataRequestStatus, metadata
from crm_backend.services.data_export import EXPORTED, FORMAT, export_customer
from tests.conftest import DatabaseFactory
from tests.crm_backend.services.privacy_data import ALICE, BOB, seed_person, store_chats

# where each CRM table shows up in the export; a new table must be placed here (or in
# NOT_ABOUT_CUSTOMERS) so that the export can't silently miss it
SECTIONS = {
    "customers": "customer",
    "addresses": "addresses",
    "orders": "orders",
    "order_items": "orders",
    "payments": "orders",
    "invoices": "orders",
    "returns": "returns",
    "return_items": "returns",
    "refunds": "refunds",
    "tickets": "tickets",
    "interactions": "interactions",
    "conversation_messages": "conversation_messages",
    "nlu_annotations": "nlu_annotations",
    "retention_offers": "retention_offers",
    "reviews": "reviews",
    "outbox": "notifications",
    "data_requests": "data_requests",
    "customer_scores": "scores",
    "audit_log": "audit_log",
}
NOT_ABOUT_CUSTOMERS = {"products", "staff_users"}


@pytest.fixture
def tracker(database_factory: DatabaseFactory) -> Iterator[TrackerEvents]:
    events = TrackerEvents(database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}"))
    EVENTS.metadata.create_all(events.engine)  # what Rasa's SQLTrackerStore creates
    yield events
    events.dispose()


def test_every_table_is_covered_by_the_export():
    assert set(SECTIONS) | NOT_ABOUT_CUSTOMERS == set(metadata.tables)


def test_export_holds_every_kind_of_record_and_nothing_of_others(uow_factory, tracker):
    alice = seed_person(uow_factory, ALICE)
    seed_person(uow_factory, BOB)
    store_chats(tracker, ALICE)
    store_chats(tracker, BOB)

    doc = export_customer(uow_factory(), alice.customer_id, tracker=tracker)

    text = json.dumps(doc, ensure_ascii=False)  # JSON-serialisable as it is
    assert doc["format"] == FORMAT
    customer = doc["customer"]
    assert (customer["id"], customer["name"]) == (alice.customer_id, ALICE.name)
    assert (customer["email"], customer["phone"]) == (ALICE.email, ALICE.phone)
    assert doc["consents"]["marketing_consent"] and doc["consents"]["newsletter"]
    assert doc["consents"]["history"][0]["consent"] == {"newsletter": True}
    assert [a["line1"] for a in doc["addresses"]] == [ALICE.street]
    [order] = doc["orders"]
    assert order["id"] == alice.order_id and order["total"] == "40.00"
    assert order["ship_name"] == ALICE.name
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in order["items"]] == [
        ("SKU-alice", 2, "20.00")
    ]
    assert [p["reference"] for p in order["payments"]] == ["PAY-alice"]
    assert [(i["invoice_number"], i["amount"]) for i in order["invoices"]] == [
        (alice.invoice_number, "40.00")
    ]
    assert order["invoices"][0]["issued_at"].startswith("2026-10-01T09:00:00")
    [ret] = doc["returns"]
    assert ret["reason"] == ALICE.secret and len(ret["items"]) == 1
    assert [r["amount"] for r in doc["refunds"]] == ["20.00"]
    [ticket] = doc["tickets"]
    assert ALICE.secret in ticket["notes"] and ticket["conversation_id"] == ALICE.conversation(1)
    assert sorted(i["conversation_id"] for i in doc["interactions"]) == [
        ALICE.conversation(1),
        ALICE.conversation(2),
    ]
    assert [m["text"] for m in doc["conversation_messages"]] == [ALICE.secret]
    assert "folded" not in doc["conversation_messages"][0]
    assert [a["text"] for a in doc["nlu_annotations"]] == [ALICE.secret]
    assert [o["code"] for o in doc["retention_offers"]] == ["SAVE-alice"]
    assert [r["text"] for r in doc["reviews"]] == [ALICE.secret]
    recipients = sorted(n["recipient"] for n in doc["notifications"])
    assert recipients == sorted([ALICE.phone, ALICE.email])  # SMS + deletion confirmation
    assert sorted(r["kind"] for r in doc["data_requests"]) == ["delete", "export"]
    assert doc["scores"]["segment"] == "At risk"
    actions = {entry["action"] for entry in doc["audit_log"]}
    assert {
        "customer.created",
        "order.cancel_refused",
        "verification.issued",
        "data_request.created",
    } <= actions
    assert all("digest" not in entry["details"] for entry in doc["audit_log"])
    chats = doc["chat_transcripts"]
    assert chats["status"] == "included"
    assert sorted(chats["conversations"]) == [ALICE.conversation(n) for n in (1, 2, 3)]
    for events in chats["conversations"].values():
        assert ALICE.secret in events[1]["text"]
    for section in set(SECTIONS.values()):
        assert doc[section], f"{section} is empty"

    for needle in (*BOB.needles, BOB.conversation(1), "SKU-bob", "INV-bob", "SAVE-bob"):
        assert needle not in text, needle


def test_export_is_audited_and_completes_the_export_request(uow_factory, tracker):
    alice = seed_person(uow_factory, ALICE)
    doc = export_customer(
        uow_factory(), alice.customer_id, request_id=alice.export_request_id, actor="staff:ada"
    )
    assert doc["chat_transcripts"]["status"] == "not_read"  # no tracker given
    states = {r["kind"]: r["status"] for r in doc["data_requests"]}
    assert states == {"export": "completed", "delete": "pending"}
    with uow_factory() as uow:
        request = uow.data_requests.get(alice.export_request_id)
        assert request.status == DataRequestStatus.COMPLETED and request.completed_at
        [entry] = [e for e in uow.audit.list_for_entity("customer", str(alice.customer_id))
                   if e.action == EXPORTED]  # fmt: skip
        assert entry.actor == "staff:ada" and entry.details["records"]["orders"] == 1
        assert ALICE.email not in json.dumps(entry.details)
    # a deletion request is not an export request; unknown customers are NotFound
    with pytest.raises(ValidationError):
        export_customer(uow_factory(), alice.customer_id, request_id=alice.delete_request_id)
    with pytest.raises(NotFound):
        export_customer(uow_factory(), 987_654)


def test_a_missing_tracker_table_gives_empty_transcripts(uow_factory, database_factory):
    alice = seed_person(uow_factory, ALICE)
    empty = TrackerEvents(database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}"))
    try:
        doc = export_customer(uow_factory(), alice.customer_id, tracker=empty)
    finally:
        empty.dispose()
    assert doc["chat_transcripts"]["conversations"] == {
        ALICE.conversation(n): [] for n in (1, 2, 3)
    }
