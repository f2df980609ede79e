"""get_order_status against the seeded demo data, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Callable

import pytest

from crm_backend.errors import CRMError, NotFound, OrderNotFound, ValidationError
from crm_backend.services.orders import OrderStatusView, get_order_status
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

ALICE = "alice@example.com"
HOSTILE = [
    "",
    "   ",
    "A" * 100_000,
    "'; DROP TABLE orders; --",
    "A1001' OR '1'='1",
    "A1001\x00",
    "\x00",
    "😀",
    "A1001😀",
    "\u202eA1001",
    "%",
]
WANG = "wangfang@example.cn"


@pytest.fixture
def make_uow(seeded_session_factory) -> Callable[[], SqlAlchemyUnitOfWork]:
    return lambda: SqlAlchemyUnitOfWork(seeded_session_factory)


@pytest.fixture
def status(make_uow) -> Callable[..., OrderStatusView]:
    def call(order_number: Any, **identity: Any) -> OrderStatusView:
        return get_order_status(make_uow(), order_number, **identity)

    return call


def _customer_id(make_uow, email: str) -> int:
    with make_uow() as uow:
        customer = uow.customers.get_by_email(email)
        assert customer is not None
        return int(customer.id)


def test_a1001_by_email(status, seed_now: datetime) -> None:
    view = status("A1001", email=ALICE)
    assert view.order_number == "A1001"
    assert view.status == "shipped"
    assert view.carrier == "DHL"
    assert view.tracking_number == "4829105736"
    assert view.shipped_at == seed_now - timedelta(days=2)
    assert view.estimated_delivery == seed_now + timedelta(days=2)
    assert view.delivered_at is None and view.cancelled_at is None
    assert view.item_count == 3
    assert view.total == Decimal("18.65")
    assert view.currency == "GBP"
    assert view.customer_language == "en"
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.status = "delivered"


@pytest.mark.parametrize(
    "phone",
    [
        "+86 138 0013 8000",
        "13800138000",
        "008613800138000",
        "+86-138-0013-8000",
        "１３８００１３８０００",
    ],
)
def test_a1002_by_phone(status, seed_now: datetime, phone: str) -> None:
    view = status("A1002", phone=phone)
    assert (view.status, view.carrier, view.customer_language) == ("shipped", "SF Express", "zh")
    assert view.tracking_number == "SF1402379385163"
    assert view.estimated_delivery == seed_now + timedelta(days=1)


def test_by_customer_id(status, make_uow) -> None:
    assert status("A1001", customer_id=_customer_id(make_uow, ALICE)).status == "shipped"
    assert status("A1002", customer_id=_customer_id(make_uow, WANG)).carrier == "SF Express"


@pytest.mark.parametrize(
    "number, identity",
    [
        (" a1001 ", {"email": "  ALICE@Example.COM "}),
        ("#a1001", {"phone": "07700 900123"}),
        ("Ａ１００１", {"email": ALICE}),
        ("A1001", {"email": "nobody@example.com", "phone": "+44 7700 900123"}),  # any one matches
    ],
)
def test_input_is_normalised(status, number: str, identity: dict) -> None:
    assert status(number, **identity).order_number == "A1001"


@pytest.mark.parametrize(
    "number, expected",
    [("A1003", "pending"), ("A1004", "paid"), ("A1007", "returned")],
)
def test_alice_demo_orders(status, number: str, expected: str) -> None:
    assert status(number, email=ALICE).status == expected


def test_wang_fang_demo_orders(status, seed_now: datetime) -> None:
    delivered = status("A1005", email=WANG)
    assert delivered.status == "delivered"
    assert delivered.delivered_at == seed_now - timedelta(days=5)
    cancelled = status("A1006", email=WANG)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None


def test_unknown_order_and_wrong_identity_are_indistinguishable(status, make_uow) -> None:
    wang_id = _customer_id(make_uow, WANG)
    attempts = [
        lambda: status("A9999", email=ALICE),  # unknown order
        lambda: status("Z12345678", phone="+44 7700 900123"),  # unknown order
        lambda: status("A1001", email=WANG),  # someone else's order
        lambda: status("A1002", email=ALICE),
        lambda: status("A1001", phone="+86 138 0013 8000"),
        lambda: status("A1001", phone="+44 7700 900124"),
        lambda: status("A1001", customer_id=wang_id),
        lambda: status("A1001", customer_id=10**9),
    ]
    errors = []
    for attempt in attempts:
        with pytest.raises(OrderNotFound) as info:
            attempt()
        errors.append(info.value)
    assert {(type(e), str(e), e.message) for e in errors} == {
        (OrderNotFound, OrderNotFound.MESSAGE, OrderNotFound.MESSAGE)
    }
    assert isinstance(errors[0], NotFound)


@pytest.mark.parametrize("number", [*HOSTILE, "A12", None, 1001])
def test_malformed_order_number_is_a_validation_error(status, number: Any) -> None:
    with pytest.raises(ValidationError, match="order number"):
        status(number, email=ALICE)


@pytest.mark.parametrize("value", HOSTILE[2:] + ["' OR 1=1 --", "alice@example.com' --"])
@pytest.mark.parametrize("field", ["email", "phone"])
def test_hostile_identity_never_crashes(status, field: str, value: str) -> None:
    with pytest.raises((ValidationError, OrderNotFound)):
        status("A1001", **{field: value})


@pytest.mark.parametrize(
    "identity",
    [{}, {"email": None, "phone": None}, {"email": "", "phone": "   "}],
)
def test_missing_identity(status, identity: dict) -> None:
    with pytest.raises(ValidationError) as info:
        status("A1001", **identity)
    assert info.value.field == "identity"


@pytest.mark.parametrize("customer_id", [True, 0, -1, "1"])
def test_bad_customer_id(status, customer_id: Any) -> None:
    with pytest.raises(ValidationError):
        status("A1001", customer_id=customer_id)


def test_errors_are_crm_errors() -> None:
    assert issubclass(OrderNotFound, NotFound) and issubclass(NotFound, CRMError)
    assert issubclass(ValidationError, CRMError)
