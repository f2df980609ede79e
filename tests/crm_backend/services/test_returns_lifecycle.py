"""The staff lifecycle of a return, on SQLite and PostgreSQL (own fixture data)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import (
    AuditLog,
    OrderStatus,
    OutboxMessage,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from crm_backend.services.returns import (
    ReturnLine,
    approve_return,
    get_return,
    mark_return_received,
    refund_return,
    reject_return,
    request_return,
    return_options,
)
from tests.crm_backend.services.aftersales_data import NOW, make_shop

LATER = NOW + timedelta(days=3)


@pytest.fixture
def shop(uow_factory):
    return make_shop(uow_factory)


def test_full_return_is_refunded_and_closes_the_order(uow_factory, shop):
    ret = request_return(
        uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1"), ReturnLine("LAMP2")], "Damaged", NOW
    )
    assert approve_return(uow_factory(), ret.id, actor="staff:agent", now=NOW).status == "approved"
    received = mark_return_received(uow_factory(), ret.id, actor="staff:agent", now=LATER)
    assert received.status == "received"
    done = refund_return(uow_factory(), ret.id, actor="staff:agent", now=LATER)
    assert done.status == "refunded" and done.refund_status == "processed"
    with uow_factory() as uow:
        refund = uow.session.execute(select(Refund)).scalar_one()
        assert refund.status is RefundStatus.PROCESSED and refund.processed_at == LATER
        order = uow.orders.get_by_number("B1001")
        assert order.status is OrderStatus.RETURNED
        assert [p.status for p in order.payments] == [PaymentStatus.REFUNDED]
        actions = list(
            uow.session.execute(
                select(AuditLog.action)
                .where(AuditLog.entity_id == str(ret.id))
                .order_by(AuditLog.id)
            ).scalars()
        )
        assert actions == [
            "return.requested",
            "return.approved",
            "return.received",
            "return.refunded",
        ]
        templates = list(
            uow.session.execute(select(OutboxMessage.template).order_by(OutboxMessage.id)).scalars()
        )
        assert templates == ["return_instructions", "refund_paid"]


def test_partial_refund_keeps_the_order_delivered(uow_factory, shop):
    ret = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1", 1)], "x", NOW)
    mark_return_received(uow_factory(), ret.id, actor="system", now=NOW)
    refund_return(uow_factory(), ret.id, actor="system", now=NOW)
    with uow_factory() as uow:
        order = uow.orders.get_by_number("B1001")
        assert order.status is OrderStatus.DELIVERED
        assert order.payments[0].status is PaymentStatus.SUCCEEDED


@pytest.mark.parametrize(
    "steps, bad",
    [
        ([], refund_return),
        ([approve_return], approve_return),
        ([approve_return, mark_return_received, refund_return], mark_return_received),
    ],
)
def test_invalid_transitions_are_refused(uow_factory, shop, steps, bad):
    ret = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1")], "x", NOW)
    for step in steps:
        step(uow_factory(), ret.id, actor="system", now=NOW)
    before = get_return(uow_factory(), ret.id).status
    with pytest.raises(InvalidState):
        bad(uow_factory(), ret.id, actor="system", now=NOW)
    assert get_return(uow_factory(), ret.id).status == before


def test_rejection_cancels_the_refund_and_frees_the_items(uow_factory, shop):
    ret = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1")], "x", NOW)
    with pytest.raises(ValidationError):
        reject_return(uow_factory(), ret.id, "  ", actor="staff:agent")
    rejected = reject_return(uow_factory(), ret.id, "Item was used", actor="staff:agent", now=NOW)
    assert rejected.status == "rejected" and rejected.refund_status == "failed"
    with pytest.raises(InvalidState):
        reject_return(uow_factory(), ret.id, "again", actor="staff:agent")
    options = return_options(uow_factory(), "B1001", shop.emma, now=NOW)
    assert options.eligible and options.items[0].returnable == 2
    with uow_factory() as uow:
        mail = uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.template == "return_rejected")
        ).scalar_one()
        assert "Item was used" in mail.body


@pytest.mark.parametrize("bad_id", [0, -1, 10**12, 999_999, True, "1"])
def test_unknown_returns(uow_factory, shop, bad_id):
    with pytest.raises(NotFound):
        get_return(uow_factory(), bad_id)
    with pytest.raises(NotFound):
        approve_return(uow_factory(), bad_id, actor="system")
