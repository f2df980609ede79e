"""Cancellation: fee policy at its boundaries, quotes, refunds, idempotency, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import List

import pytest
from sqlalchemy import select

from crm_backend.errors import InvalidState, OrderNotFound, ValidationError
from crm_backend.models import AuditLog, OrderStatus, OutboxMessage
from crm_backend.services import policies
from crm_backend.services.access import parse_identity
from crm_backend.services.order_changes import (
    CancellationResult,
    FeeChanged,
    cancel_order,
    quote_cancellation,
)
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.crm_backend.services.shop_fixtures import ALICE, NOW, WANG, make_shop

ME = parse_identity(email=ALICE)
S = OrderStatus


# --- the fee policy (pure) ------------------------------------------------------------


@pytest.mark.parametrize(
    "since_payment, total, fee",
    [
        (timedelta(0), "100.00", "0.00"),
        (timedelta(hours=24), "100.00", "0.00"),  # the boundary is still free
        (timedelta(hours=24, seconds=1), "100.00", "5.00"),
        (timedelta(days=3), "20.00", "2.00"),  # 5 % = 1.00 -> minimum 2.00
        (timedelta(days=3), "40.00", "2.00"),  # exactly the minimum
        (timedelta(days=3), "40.10", "2.01"),  # 2.005 rounds half up
        (timedelta(days=3), "200.00", "10.00"),  # exactly the maximum
        (timedelta(days=3), "999.99", "10.00"),  # capped
        (timedelta(days=3), "1.50", "1.50"),  # never more than the total
        (timedelta(days=3), "0.00", "0.00"),
    ],
)
def test_fee_rules_at_the_boundaries(since_payment, total, fee):
    paid_at = NOW - since_payment
    assert policies.cancellation_fee(S.PAID, Decimal(total), paid_at, NOW) == Decimal(fee)


def test_pending_orders_cancel_free_and_shipped_ones_not_at_all():
    assert policies.cancellation_fee(S.PENDING, Decimal("500"), None, NOW) == Decimal("0.00")
    for status in (S.SHIPPED, S.DELIVERED, S.CANCELLED, S.RETURNED):
        assert not policies.is_changeable(status)
        with pytest.raises(ValueError):
            policies.cancellation_fee(status, Decimal("5"), NOW, NOW)


# --- the service ----------------------------------------------------------------------


@pytest.fixture
def shop(uow_factory):
    shop = make_shop(uow_factory)
    shop.add_order("B2001", S.PENDING, [("85123A", 2)])
    shop.add_order(
        "B2002", S.PAID, [("85123A", 1), ("85099B", 2)], paid_at=NOW - timedelta(hours=2)
    )
    shop.add_order("B2003", S.PAID, [("22605", 2)], paid_at=NOW - timedelta(days=2))
    shop.add_order("B2004", S.SHIPPED, [("22969", 1)], paid_at=NOW - timedelta(days=2))
    shop.add_order("B2006", S.PAID, [("22969", 3)], customer=WANG, paid_at=NOW - timedelta(days=5))
    return shop


def refunds(uow_factory, number: str) -> List[Decimal]:
    """The amounts of the order's refunds."""
    with uow_factory() as uow:
        order = uow.orders.get_by_number(number)
        return [r.amount for r in uow.refunds.list_for_order(order.id)]


def test_quote_changes_nothing(shop, uow_factory):
    quote = quote_cancellation(uow_factory(), "b2003", ME, now=NOW)
    assert quote.cancellable and quote.fee == Decimal("5.00")  # 5 % of 100.00
    assert quote.refund_amount == Decimal("95.00") and quote.paid
    assert quote.free_until == NOW - timedelta(days=2) + policies.FREE_CANCELLATION_WINDOW
    with uow_factory() as uow:
        assert uow.orders.get_by_number("B2003").status == S.PAID
    assert refunds(uow_factory, "B2003") == []


def test_quote_of_a_shipped_order_says_not_cancellable(shop, uow_factory):
    quote = quote_cancellation(uow_factory(), "B2004", ME, now=NOW)
    assert not quote.cancellable and quote.status == "shipped" and quote.fee == 0


def test_cancel_a_paid_order_creates_one_pending_refund_notice_and_audit(shop, uow_factory):
    result = cancel_order(uow_factory(), "B2003", ME, confirm=True, now=NOW)
    assert result == CancellationResult(
        order_number="B2003",
        already_cancelled=False,
        cancelled_at=NOW,
        fee=Decimal("5.00"),
        refund_amount=Decimal("95.00"),
        refund_reference="RF-B2003",
        refund_status="pending",
        currency="GBP",
    )
    with uow_factory() as uow:
        order = uow.orders.get_by_number("B2003")
        assert order.status == S.CANCELLED and order.cancellation_fee == Decimal("5.00")
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert mail.recipient == ALICE and mail.template == "order_cancelled"
        assert "£95.00" in mail.body and "B2003" in mail.subject
        audit = uow.session.execute(select(AuditLog)).scalar_one()
        assert audit.action == "order.cancelled" and audit.entity_id == "B2003"
    assert refunds(uow_factory, "B2003") == [Decimal("95.00")]
    assert shop.stock("22605") == 5, "the two units went back to stock"


def test_cancel_a_pending_order_refunds_nothing(shop, uow_factory):
    result = cancel_order(uow_factory(), "B2001", ME, confirm=True, now=NOW)
    assert result.fee == 0 and result.refund_amount is None
    assert refunds(uow_factory, "B2001") == []


def test_free_within_24_hours_of_payment(shop, uow_factory):
    result = cancel_order(uow_factory(), "B2002", ME, confirm=True, now=NOW)
    assert result.fee == 0 and result.refund_amount == Decimal("7.11")


def test_chinese_customer_gets_a_chinese_notice(shop, uow_factory):
    cancel_order(uow_factory(), "B2006", parse_identity(phone="13800138000"), confirm=True, now=NOW)
    with uow_factory() as uow:
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert "已取消" in mail.subject and "退回" in mail.body


def test_second_cancellation_returns_the_first_result(shop, uow_factory):
    first = cancel_order(uow_factory(), "B2003", ME, confirm=True, now=NOW)
    again = cancel_order(uow_factory(), "B2003", ME, confirm=True, now=NOW + timedelta(days=1))
    assert again.already_cancelled and again.refund_amount == first.refund_amount
    assert again.fee == first.fee and again.cancelled_at == first.cancelled_at
    assert len(refunds(uow_factory, "B2003")) == 1
    with uow_factory() as uow:
        assert len(uow.session.execute(select(OutboxMessage)).all()) == 1


def test_shipped_order_cannot_be_cancelled(shop, uow_factory):
    with pytest.raises(InvalidState, match="shipped"):
        cancel_order(uow_factory(), "B2004", ME, confirm=True, now=NOW)
    with uow_factory() as uow:
        assert uow.orders.get_by_number("B2004").status == S.SHIPPED


def test_nothing_happens_without_confirmation(shop, uow_factory):
    for confirm in (False, None, "yes", 1):
        with pytest.raises(ValidationError):
            cancel_order(uow_factory(), "B2003", ME, confirm=confirm, now=NOW)  # type: ignore
    assert refunds(uow_factory, "B2003") == []


def test_a_higher_fee_than_accepted_is_refused(shop, uow_factory):
    with pytest.raises(FeeChanged) as error:
        cancel_order(uow_factory(), "B2003", ME, confirm=True, now=NOW, accept_fee=Decimal("0"))
    assert error.value.fee == Decimal("5.00")
    result = cancel_order(
        uow_factory(), "B2003", ME, confirm=True, now=NOW, accept_fee=Decimal("5")
    )
    assert result.fee == Decimal("5.00")


@pytest.mark.parametrize(
    "number, identity",
    [("B2006", ME), ("B9999", ME), ("B2003", parse_identity(email="mallory@example.com"))],
)
def test_someone_elses_or_unknown_order_is_not_found(shop, uow_factory, number, identity):
    with pytest.raises(OrderNotFound):
        cancel_order(uow_factory(), number, identity, confirm=True, now=NOW)
    with pytest.raises(OrderNotFound):
        quote_cancellation(uow_factory(), number, identity, now=NOW)


@pytest.mark.parametrize(
    "number", ["", "   ", "x" * 100_000, "'; DROP TABLE orders; --", "B2003\x00", "😀", None, 42]
)
def test_hostile_order_numbers(shop, uow_factory, number):
    with pytest.raises(ValidationError):
        cancel_order(uow_factory(), number, ME, confirm=True, now=NOW)  # type: ignore


def test_identity_must_be_parsed(shop, uow_factory):
    with pytest.raises(ValidationError):
        cancel_order(uow_factory(), "B2003", ALICE, confirm=True, now=NOW)  # type: ignore


def test_seeded_cancelled_order_reports_its_refund(seeded_session_factory):
    wang = parse_identity(email=WANG)
    result = cancel_order(
        SqlAlchemyUnitOfWork(seeded_session_factory), "A1006", wang, confirm=True
    )  # already cancelled: returns the stored outcome and changes nothing
    assert result.already_cancelled and result.refund_reference == "RF-A1006"
    assert result.refund_status == "processed"


@pytest.mark.postgres
def test_two_concurrent_cancellations_make_exactly_one_refund(backend, shop, uow_factory):
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    barrier = threading.Barrier(2)
    results: List[CancellationResult] = []
    failures: List[BaseException] = []

    class SyncedUoW(SqlAlchemyUnitOfWork):
        def __enter__(self):  # both transactions start together
            entered = super().__enter__()
            barrier.wait(timeout=10)
            return entered

    def cancel() -> None:
        try:
            uow = SyncedUoW(uow_factory()._session_factory)
            results.append(cancel_order(uow, "B2003", ME, confirm=True, now=NOW))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert sorted(r.already_cancelled for r in results) == [False, True]
    assert len(refunds(uow_factory, "B2003")) == 1
    assert results[0].refund_amount == results[1].refund_amount == Decimal("95.00")
