"""Refund status by order and by reference, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crm_backend.errors import NotFound, OrderNotFound, ValidationError
from crm_backend.services import returns_policy as policy
from crm_backend.services.access import parse_identity
from crm_backend.services.refunds import (
    REFUND_NOT_FOUND,
    customer_refunds,
    find_refund_reference,
    normalise_refund_reference,
    refund_by_reference,
    refunds_for_order,
)
from crm_backend.services.returns import ReturnLine, mark_return_received, request_return
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.crm_backend.services.aftersales_data import NOW, make_shop

ALICE = parse_identity("alice@example.com")
WANG = parse_identity("wangfang@example.cn")


@pytest.fixture
def seeded(seeded_session_factory):
    return lambda: SqlAlchemyUnitOfWork(seeded_session_factory)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("RF-000042", "RF-000042"),
        ("my refund rf 42 please", "RF-000042"),
        ("退款号RF-000123到哪了", "RF-000123"),
        ("ＲＦ－０００１２３", "RF-000123"),
        ("RF-A1007", "RF-A1007"),
        ("rf#7", "RF-000007"),
        ("A1005", None),
        ("surf123", None),
        ("", None),
        (None, None),
        ("x" * 100_000, None),
    ],
)
def test_find_refund_reference(text, expected):
    assert find_refund_reference(text) == expected


@pytest.mark.parametrize("text", ["", "RF-", "RF-ABC", "A1007", "RF-1 RF-2", "R" * 1000, None])
def test_normalise_refund_reference_refuses_junk(text):
    with pytest.raises(ValidationError) as caught:
        normalise_refund_reference(text)
    assert caught.value.field == "refund_reference"


def test_processed_refund_of_a_return(seeded):
    view = refund_by_reference(seeded(), "rf-a1007", ALICE)
    assert view.order_number == "A1007" and view.status == view.stage == "processed"
    assert view.amount == Decimal("8.82") and view.currency == "GBP"
    assert view.processed_at is not None and view.expected_by is None
    assert view.return_reference and view.return_status == "refunded"


def test_cancellation_refund_by_order(seeded):
    (view,) = refunds_for_order(seeded(), "A1006", parse_identity(phone="+86 138 0013 8000"))
    assert view.reference == "RF-A1006" and view.stage == "processed"
    assert view.return_reference is None


def test_order_without_refunds(seeded):
    assert refunds_for_order(seeded(), "A1001", ALICE) == ()


def test_someone_elses_refund_looks_unknown(seeded):
    with pytest.raises(NotFound) as theirs:
        refund_by_reference(seeded(), "RF-A1007", WANG)
    with pytest.raises(NotFound) as unknown:
        refund_by_reference(seeded(), "RF-999999", ALICE)
    assert theirs.value.message == unknown.value.message == REFUND_NOT_FOUND
    with pytest.raises(OrderNotFound):
        refunds_for_order(seeded(), "A1007", WANG)


def test_customer_refunds(seeded):
    alice = {v.reference for v in customer_refunds(seeded(), ALICE)}
    wang = {v.reference for v in customer_refunds(seeded(), WANG)}
    assert "RF-A1007" in alice and "RF-A1006" in wang and not alice & wang
    by_phone = customer_refunds(seeded(), parse_identity(phone="07700 900123"))
    assert {v.reference for v in by_phone} == alice
    with pytest.raises(NotFound):
        customer_refunds(seeded(), parse_identity("nobody@example.com"))


def test_pending_refund_stages_and_expected_dates(uow_factory):
    shop = make_shop(uow_factory)
    ret = request_return(uow_factory(), "B1001", shop.emma, [ReturnLine("MUG1")], "Damaged", NOW)
    assert ret.refund_reference is not None
    waiting = refund_by_reference(uow_factory(), ret.refund_reference.lower(), shop.emma)
    assert waiting.stage == "awaiting_return" and waiting.status == "pending"
    days = policy.RETURN_TRANSIT_DAYS + policy.REFUND_PROCESSING_DAYS
    assert waiting.expected_by == NOW + timedelta(days=days)
    arrived = NOW + timedelta(days=4)
    mark_return_received(uow_factory(), ret.id, actor="system", now=arrived)
    (processing,) = refunds_for_order(uow_factory(), "B1001", shop.emma)
    assert processing.stage == "processing"
    assert processing.expected_by == arrived + timedelta(days=policy.REFUND_PROCESSING_DAYS)
    with pytest.raises(NotFound):
        refund_by_reference(uow_factory(), ret.refund_reference, shop.li)
