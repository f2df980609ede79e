"""Changing an order's items: quantities, removal, stock, totals, money, notices."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_backend.errors import InvalidState, OrderNotFound, ValidationError
from crm_backend.models import AuditLog, OrderStatus, OutboxMessage, PaymentStatus
from crm_backend.services.access import parse_identity
from crm_backend.services.order_items import (
    MAX_QUANTITY,
    InsufficientStock,
    LastItem,
    change_order_items,
    get_order_items,
)
from tests.crm_backend.services.shop_fixtures import ALICE, NOW, WANG, make_shop

ME = parse_identity(email=ALICE)
S = OrderStatus


@pytest.fixture
def shop(uow_factory):
    shop = make_shop(uow_factory)
    shop.add_order("B2001", S.PENDING, [("85123A", 2), ("85099B", 1)])
    shop.add_order("B2002", S.PAID, [("85123A", 1), ("22969", 2)], paid_at=NOW - timedelta(hours=2))
    shop.add_order("B2004", S.SHIPPED, [("22969", 1), ("85123A", 1)], paid_at=NOW)
    shop.add_order("B2006", S.PAID, [("22969", 3), ("85123A", 1)], customer=WANG, paid_at=NOW)
    return shop


def test_lists_the_lines(shop, uow_factory):
    view = get_order_items(uow_factory(), "B2001", ME)
    assert view.changeable and view.total == Decimal("7.98")
    assert [(line.sku, line.quantity) for line in view.lines] == [("85123A", 2), ("85099B", 1)]
    assert view.lines[0].name_zh == "白色心形挂式烛台"


def test_raise_a_quantity_reserves_stock_and_updates_the_pending_payment(shop, uow_factory):
    result = change_order_items(uow_factory(), "B2001", ME, {"85123A": 5})
    assert result.applied and result.order.total == Decimal("16.83")
    assert result.balance == Decimal("8.85") and result.previous_total == Decimal("7.98")
    assert shop.stock("85123A") == 7
    with uow_factory() as uow:
        order = uow.orders.get_by_number("B2001")
        assert order.total == Decimal("16.83")
        assert [p.amount for p in order.payments] == [Decimal("16.83")]
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert "2 → 5" in mail.body and "£16.83" in mail.body
        assert uow.session.execute(select(AuditLog)).scalar_one().action == "order.items_changed"


def test_remove_a_line_of_a_paid_order_creates_a_refund(shop, uow_factory):
    result = change_order_items(uow_factory(), "B2002", ME, {"22969": 0})
    assert [(c.sku, c.old_quantity, c.new_quantity) for c in result.changes] == [("22969", 2, 0)]
    assert result.balance == Decimal("-2.90") and shop.stock("22969") == 42
    with uow_factory() as uow:
        order = uow.orders.get_by_number("B2002")
        assert [i.product.sku for i in order.items] == ["85123A"]
        assert [r.amount for r in uow.refunds.list_for_order(order.id)] == [Decimal("2.90")]


def test_more_units_on_a_paid_order_asks_for_the_difference(shop, uow_factory):
    change_order_items(uow_factory(), "B2002", ME, {"85123A": 2})
    with uow_factory() as uow:
        payments = uow.orders.get_by_number("B2002").payments
        assert payments[-1].status == PaymentStatus.PENDING and payments[-1].amount == Decimal(
            "2.95"
        )


def test_dry_run_checks_but_saves_nothing(shop, uow_factory):
    result = change_order_items(uow_factory(), "B2001", ME, {"85123A": 3}, dry_run=True)
    assert not result.applied and result.order.total == Decimal("10.93")
    assert shop.stock("85123A") == 10
    with uow_factory() as uow:
        assert uow.orders.get_by_number("B2001").total == Decimal("7.98")


def test_same_quantity_changes_nothing(shop, uow_factory):
    result = change_order_items(uow_factory(), "B2001", ME, {"85123A": 2})
    assert not result.applied and result.changes == ()
    with uow_factory() as uow:
        assert uow.session.execute(select(OutboxMessage)).first() is None


def test_not_enough_stock(shop, uow_factory):
    with pytest.raises(InsufficientStock) as error:
        change_order_items(uow_factory(), "B2001", ME, {"85099B": 7})  # 1 + 5 in stock max
    assert error.value.available == 5 and error.value.field == "quantity"
    assert shop.stock("85099B") == 5
    assert change_order_items(uow_factory(), "B2001", ME, {"85099B": 6}).applied


def test_the_last_item_cannot_be_removed(shop, uow_factory):
    with pytest.raises(LastItem):
        change_order_items(uow_factory(), "B2001", ME, {"85123A": 0, "85099B": 0})
    change_order_items(uow_factory(), "B2001", ME, {"85123A": 0})
    with pytest.raises(LastItem):
        change_order_items(uow_factory(), "B2001", ME, {"85099B": 0})


def test_shipped_orders_cannot_change(shop, uow_factory):
    with pytest.raises(InvalidState):
        change_order_items(uow_factory(), "B2004", ME, {"22969": 2})
    assert not get_order_items(uow_factory(), "B2004", ME).changeable


def test_someone_elses_order(shop, uow_factory):
    with pytest.raises(OrderNotFound):
        change_order_items(uow_factory(), "B2006", ME, {"22969": 1})


@pytest.mark.parametrize(
    "changes",
    [
        {},
        None,
        "85123A=3",
        {"85123A": -1},
        {"85123A": MAX_QUANTITY + 1},
        {"85123A": 2.5},
        {"85123A": True},
        {"85123A": "3"},
        {"NOPE": 1},
        {"": 1},
        {"x" * 10_000: 1},
        {f"S{i}": 1 for i in range(1000)},
        {"'; DROP TABLE products; --": 1},
    ],
)
def test_hostile_changes(shop, uow_factory, changes):
    with pytest.raises(ValidationError):
        change_order_items(uow_factory(), "B2001", ME, changes)
    with uow_factory() as uow:
        assert uow.orders.get_by_number("B2001").total == Decimal("7.98")


def test_sku_is_case_insensitive(shop, uow_factory):
    assert change_order_items(uow_factory(), "B2001", ME, {" 85099b ": 2}).applied
