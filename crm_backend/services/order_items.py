"""Changing the items of an order before it ships: set a quantity or remove a line.

Rules: only while the order is changeable (:mod:`.policies`); the last line cannot be
removed (cancel the order instead); extra units must be in stock (stock is reserved when
units are added and released when they are taken off); lines keep the price they were
ordered at and the total is recomputed. Money is balanced in the same unit of work: an
unpaid order's pending payment follows the new total; a paid order gets a pending refund
for a lower total or a pending payment request for a higher one. The customer is notified
through the outbox and the change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Mapping, Optional, Tuple

from crm_backend.errors import InvalidState, ValidationError
from crm_backend.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    utcnow,
)
from crm_backend.services import policies
from crm_backend.services.access import Identity, order_for_customer
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.services.order_notices import customer_language, money, queue_notice
from crm_backend.unit_of_work import UnitOfWork

MAX_QUANTITY = 99
"""Most units of one product per order line (bigger orders go through the sales team)."""
MAX_CHANGES = 50
_SKU_MAX = 32
ZERO = Decimal("0.00")


class InsufficientStock(ValidationError):
    """Not enough units in stock for the increase; ``available`` is how many more exist."""

    def __init__(self, sku: str, available: int) -> None:
        super().__init__(f"Only {available} more of {sku} in stock.", field="quantity")
        self.sku = sku
        self.available = available


class LastItem(InvalidState):
    """Removing every line would leave an empty order: cancel the order instead."""


@dataclass(frozen=True)
class OrderLineView:
    sku: str
    name_en: str
    name_zh: Optional[str]
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    stock: int  # units on the shelf that could still be added


@dataclass(frozen=True)
class OrderItemsView:
    order_number: str
    status: str
    changeable: bool
    lines: Tuple[OrderLineView, ...]
    total: Decimal
    currency: str


@dataclass(frozen=True)
class ItemChange:
    sku: str
    name_en: str
    name_zh: Optional[str]
    old_quantity: int
    new_quantity: int  # 0: the line was removed


@dataclass(frozen=True)
class ItemsChangeResult:
    order: OrderItemsView
    changes: Tuple[ItemChange, ...]  # empty: nothing differed from the current order
    previous_total: Decimal
    balance: Decimal  # > 0: the customer owes this; < 0: refunded to them
    applied: bool  # False for a dry run or when nothing changed


def _view(order: Order) -> OrderItemsView:
    lines = tuple(
        OrderLineView(
            sku=item.product.sku,
            name_en=item.product.name_en,
            name_zh=item.product.name_zh,
            quantity=int(item.quantity),
            unit_price=item.unit_price,
            line_total=(item.unit_price * int(item.quantity)).quantize(Decimal("0.01")),
            stock=int(item.product.stock or 0) if item.product.active else 0,
        )
        for item in order.items
    )
    return OrderItemsView(
        order_number=order.order_number,
        status=str(order.status),
        changeable=policies.is_changeable(order.status),
        lines=lines,
        total=order.total,
        currency=order.currency,
    )


def get_order_items(uow: UnitOfWork, order_number: str, identity: Identity) -> OrderItemsView:
    """The lines of the customer's order (and whether they can still be changed)."""
    normalise_order_number(order_number)
    if not isinstance(identity, Identity):
        raise ValidationError("Identity required.", field="identity")
    with uow:
        return _view(order_for_customer(uow, order_number, identity))


def _clean_changes(changes: object) -> Dict[str, int]:
    if not isinstance(changes, Mapping) or not changes:
        raise ValidationError("Say which item to change and the new quantity.", field="items")
    if len(changes) > MAX_CHANGES:
        raise ValidationError("Too many changes at once.", field="items")
    cleaned: Dict[str, int] = {}
    for sku, quantity in changes.items():
        if not isinstance(sku, str) or not sku.strip() or len(sku) > _SKU_MAX:
            raise ValidationError("Unknown item.", field="sku")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise ValidationError("The quantity must be a whole number.", field="quantity")
        if not 0 <= quantity <= MAX_QUANTITY:
            raise ValidationError(
                f"The quantity must be between 0 (remove) and {MAX_QUANTITY}.", field="quantity"
            )
        cleaned[sku.strip().upper()] = quantity
    return cleaned


def _apply(order: Order, wanted: Dict[str, int]) -> List[ItemChange]:
    by_sku: Dict[str, OrderItem] = {}
    for item in order.items:
        by_sku.setdefault(item.product.sku.upper(), item)
    unknown = [sku for sku in wanted if sku not in by_sku]
    if unknown:
        raise ValidationError("That item is not in this order.", field="sku")
    remaining = {sku for sku in by_sku if wanted.get(sku, 1) > 0}
    if not remaining:
        raise LastItem("An order needs at least one item; cancel the order instead.")
    changes: List[ItemChange] = []
    for sku, new_quantity in wanted.items():
        item = by_sku[sku]
        old_quantity = int(item.quantity)
        if new_quantity == old_quantity:
            continue
        product = item.product
        delta = new_quantity - old_quantity
        available = int(product.stock or 0) if product.active else 0
        if delta > available:
            raise InsufficientStock(product.sku, available)
        product.stock = int(product.stock or 0) - delta  # reserve (or release) the units
        if new_quantity == 0:
            order.items.remove(item)
        else:
            item.quantity = new_quantity
        changes.append(
            ItemChange(product.sku, product.name_en, product.name_zh, old_quantity, new_quantity)
        )
    return changes


def _settle(uow: UnitOfWork, order: Order, balance: Decimal) -> None:
    """Keep the money consistent with the new total (see the module docstring)."""
    if balance == ZERO:
        return
    if order.status == OrderStatus.PENDING:
        for payment in order.payments:
            if payment.status == PaymentStatus.PENDING:
                payment.amount = order.total
        return
    serial = len(order.payments) + len(uow.refunds.list_for_order(order.id)) + 1
    if balance < ZERO:
        uow.refunds.add(
            Refund(
                order=order,
                amount=-balance,
                status=RefundStatus.PENDING,
                reference=f"RF-{order.order_number}-A{serial}",
                created_at=utcnow(),
            )
        )
        return
    method = order.payments[-1].method if order.payments else PaymentMethod.CARD
    order.payments.append(
        Payment(
            method=method,
            amount=balance,
            status=PaymentStatus.PENDING,
            reference=f"PAY-{order.order_number}-A{serial}",
        )
    )


def change_order_items(
    uow: UnitOfWork,
    order_number: str,
    identity: Identity,
    changes: Mapping[str, int],
    *,
    dry_run: bool = False,
    actor: str = "bot",
) -> ItemsChangeResult:
    """Set new quantities (``{sku: quantity}``, 0 removes the line) on the customer's order.

    ``dry_run`` checks everything and reports the outcome without saving it.

    Raises:
        ValidationError: malformed input, an item not in the order.
        InsufficientStock: not enough units to add.
        LastItem: the change would remove every item.
        OrderNotFound: unknown order or not this customer's.
        InvalidState: the order has shipped (or is cancelled, delivered, returned).
    """
    normalise_order_number(order_number)
    if not isinstance(identity, Identity):
        raise ValidationError("Identity required.", field="identity")
    wanted = _clean_changes(changes)
    with uow:
        order = order_for_customer(uow, order_number, identity, for_update=True)
        if not policies.is_changeable(order.status):
            raise InvalidState(f"An order that is {order.status} can no longer be changed.")
        previous_total = order.total
        applied = _apply(order, wanted)
        order.total = sum(
            (item.unit_price * int(item.quantity) for item in order.items), Decimal("0")
        ).quantize(Decimal("0.01"))
        balance = order.total - previous_total
        result = ItemsChangeResult(
            order=_view(order),
            changes=tuple(applied),
            previous_total=previous_total,
            balance=balance,
            applied=bool(applied) and not dry_run,
        )
        if dry_run or not applied:
            return result  # leaving the unit of work rolls everything back
        if not uow.orders.change_status_if(order, policies.CHANGEABLE_STATUSES, order.status):
            uow.rollback()
            raise InvalidState("The order changed meanwhile; please check it again.")
        _settle(uow, order, balance)
        _notify(uow, order, applied)
        uow.audit.record(
            actor,
            "order.items_changed",
            "order",
            order.order_number,
            {
                "changes": {c.sku: [c.old_quantity, c.new_quantity] for c in applied},
                "previous_total": str(previous_total),
                "total": str(order.total),
            },
        )
        uow.commit()
    return result


def _notify(uow: UnitOfWork, order: Order, applied: List[ItemChange]) -> None:
    zh = customer_language(order.customer) == "zh"
    parts = []
    for change in applied:
        name = (change.name_zh or change.name_en) if zh else change.name_en
        if change.new_quantity == 0:
            parts.append(f"{name}：已删除" if zh else f"{name}: removed")
        else:
            arrow = f"{change.old_quantity} → {change.new_quantity}"
            parts.append(f"{name}：{arrow}" if zh else f"{name}: {arrow}")
    queue_notice(
        uow,
        order.customer,
        "order_items_changed",
        {
            "order_number": order.order_number,
            "changes": "；".join(parts) if zh else "; ".join(parts),
            "total": money(order.total, order.currency),
        },
    )
