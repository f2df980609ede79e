"""SqlAlchemyUnitOfWork: explicit commit, rollback by default, and column-type behaviour."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from crm_backend.models import Address, Customer, Language, Order, OrderStatus, Product

EMAIL = "uow.test@example.com"


def _customer(email: str = EMAIL) -> Customer:
    return Customer(name="UoW Test", email=email, preferred_language=Language.EN)


def test_rolls_back_without_commit(uow_factory) -> None:
    with uow_factory() as uow:
        uow.customers.add(_customer())
        uow.flush()
        assert uow.customers.get_by_email(EMAIL) is not None  # visible inside
    with uow_factory() as uow:
        assert uow.customers.get_by_email(EMAIL) is None


def test_commit_persists(uow_factory) -> None:
    with uow_factory() as uow:
        uow.customers.add(_customer())
        uow.commit()
    with uow_factory() as uow:
        found = uow.customers.get_by_email(EMAIL)
        assert found is not None and found.name == "UoW Test"


def test_rolls_back_on_error(uow_factory) -> None:
    with pytest.raises(RuntimeError):
        with uow_factory() as uow:
            uow.customers.add(_customer())
            raise RuntimeError("boom")
    with uow_factory() as uow:
        assert uow.customers.get_by_email(EMAIL) is None


def test_changes_after_commit_are_rolled_back(uow_factory) -> None:
    with uow_factory() as uow:
        uow.customers.add(_customer())
        uow.commit()
        uow.customers.add(_customer("second@example.com"))
    with uow_factory() as uow:
        assert uow.customers.get_by_email(EMAIL) is not None
        assert uow.customers.get_by_email("second@example.com") is None


def test_used_outside_with_block_raises(uow) -> None:
    with pytest.raises(RuntimeError):
        uow.commit()


def test_foreign_keys_enforced(uow) -> None:
    with uow:
        uow.session.add(Address(customer_id=987654, line1="x", city="y", country="GB"))
        with pytest.raises(IntegrityError):
            uow.flush()


def test_email_must_be_stored_lowercase(uow) -> None:
    with uow:
        uow.customers.add(_customer("Mixed.Case@Example.com"))
        with pytest.raises(IntegrityError):
            uow.flush()


def test_invalid_enum_value_rejected(uow) -> None:
    with uow:
        customer = uow.customers.add(_customer())
        uow.orders.add(Order(order_number="A5000", customer=customer, status="lost"))
        with pytest.raises(StatementError):
            uow.flush()


def test_money_and_utc_round_trip(uow_factory) -> None:
    placed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=8)))
    with uow_factory() as uow:
        customer = uow.customers.add(_customer())
        uow.products.add(Product(sku="T1", name_en="T", category="toys", price=Decimal("12.75")))
        uow.orders.add(
            Order(
                order_number="A5001",
                customer=customer,
                status=OrderStatus.PAID,
                placed_at=placed,
                total=Decimal("0.1") + Decimal("0.2"),
            )
        )
        uow.commit()
    with uow_factory() as uow:
        product = uow.products.get_by_sku("T1")
        order = uow.orders.get_by_number("A5001")
        assert product is not None and order is not None
        assert product.price == Decimal("12.75") and isinstance(product.price, Decimal)
        assert order.total == Decimal("0.30")
        assert order.status is OrderStatus.PAID
        assert order.placed_at == placed
        assert order.placed_at.tzinfo == timezone.utc


def test_naive_datetime_rejected(uow) -> None:
    with uow:
        customer = uow.customers.add(_customer())
        uow.orders.add(
            Order(order_number="A5002", customer=customer, placed_at=datetime(2026, 1, 1))
        )
        with pytest.raises(StatementError):
            uow.flush()
