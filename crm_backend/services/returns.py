"""Returns: what a customer may send back, their return request, and the staff lifecycle.

A request creates a ``Return`` (status ``requested``) with its items, the ``Refund`` it will
lead to (``pending``, reference ``RF-000042``), an outbox e-mail with the instructions and
an audit entry, in one transaction. Asking again for the same items of the same order
returns the existing request instead of creating a second one. Staff then move the return
requested -> approved -> received -> refunded, or reject it (see :mod:`returns_policy`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from crm_backend.errors import InvalidState, ValidationError
from crm_backend.models import (
    Order,
    Refund,
    RefundStatus,
    Return,
    ReturnItem,
    ReturnStatus,
    utcnow,
)
from crm_backend.services import return_messages as messages
from crm_backend.services import returns_policy as policy
from crm_backend.services.access import Identity, order_for_customer
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.services.refunds import refund_reference
from crm_backend.services.returns_lifecycle import (
    ReturnView,
    approve_return,
    get_return,
    mark_return_received,
    reason_category,
    refund_return,
    reject_return,
    return_view,
)
from crm_backend.unit_of_work import UnitOfWork

__all__ = [
    "ReturnLine",
    "ReturnNotAllowed",
    "ReturnOptions",
    "ReturnView",
    "ReturnableItem",
    "approve_return",
    "get_return",
    "mark_return_received",
    "refund_return",
    "reject_return",
    "request_return",
    "return_options",
]


class ReturnNotAllowed(InvalidState):
    """The policy does not allow this return; ``reason`` is a returns_policy code."""

    def __init__(self, eligibility: policy.Eligibility, message: str) -> None:
        super().__init__(message)
        self.reason = eligibility.reason
        self.deadline = eligibility.deadline


@dataclass(frozen=True)
class ReturnLine:
    """One thing to return: a product (SKU) of the order and how many (None: all left)."""

    sku: str
    quantity: Optional[int] = None


@dataclass(frozen=True)
class ReturnableItem:
    sku: str
    name_en: str
    name_zh: Optional[str]
    ordered: int
    returned: int  # in returns that were not rejected
    returnable: int
    unit_price: Decimal

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" and self.name_zh else self.name_en


@dataclass(frozen=True)
class ReturnOptions:
    order_number: str
    status: str
    eligible: bool
    reason: str  # returns_policy code: ok | not_shipped | not_delivered | ...
    delivered_at: Optional[datetime]
    deadline: Optional[datetime]
    estimated_delivery: Optional[datetime]
    carrier: Optional[str]
    currency: str
    items: Tuple[ReturnableItem, ...]  # only lines with something left to return


_MESSAGES = {
    policy.NOT_SHIPPED: "Order {n} has not shipped yet: it can be cancelled instead.",
    policy.NOT_DELIVERED: "Order {n} has not been delivered yet.",
    policy.CANCELLED: "Order {n} was cancelled.",
    policy.ALREADY_RETURNED: "Everything in order {n} has already been returned.",
    policy.WINDOW_CLOSED: "The {d}-day return window of order {n} has closed.",
}


def _not_allowed(order: Order, eligibility: policy.Eligibility) -> ReturnNotAllowed:
    text = _MESSAGES[eligibility.reason].format(n=order.order_number, d=policy.RETURN_WINDOW_DAYS)
    return ReturnNotAllowed(eligibility, text)


def _returned_units(uow: UnitOfWork, order: Order, skip: Optional[int] = None) -> Counter:
    """Units per order item id in this order's returns that were not rejected."""
    units: Counter = Counter()
    for ret in uow.returns.list_for_order(order.id):
        if ret.status is ReturnStatus.REJECTED or ret.id == skip:
            continue
        for item in ret.items:
            units[item.order_item_id] += int(item.quantity)
    return units


def _eligibility(order: Order, returned: Counter, now: datetime) -> policy.Eligibility:
    left = sum(max(int(i.quantity) - returned[i.id], 0) for i in order.items)
    return policy.order_eligibility(order.status, order.delivered_at, left, now)


def _options(order: Order, returned: Counter, now: datetime) -> ReturnOptions:
    eligibility = _eligibility(order, returned, now)
    items = tuple(
        ReturnableItem(
            sku=item.product.sku,
            name_en=item.product.name_en,
            name_zh=item.product.name_zh,
            ordered=int(item.quantity),
            returned=min(returned[item.id], int(item.quantity)),
            returnable=max(int(item.quantity) - returned[item.id], 0),
            unit_price=item.unit_price,
        )
        for item in order.items
        if int(item.quantity) > returned[item.id]
    )
    return ReturnOptions(
        order_number=order.order_number,
        status=str(order.status),
        eligible=eligibility.eligible,
        reason=eligibility.reason,
        delivered_at=order.delivered_at,
        deadline=eligibility.deadline,
        estimated_delivery=order.estimated_delivery,
        carrier=order.carrier,
        currency=order.currency,
        items=items,
    )


def return_options(
    uow: UnitOfWork, order_number: str, identity: Identity, now: Optional[datetime] = None
) -> ReturnOptions:
    """Whether the customer's order can be returned now, and which items are left.

    Raises:
        ValidationError: malformed order number.
        OrderNotFound: unknown order or not this customer's.
    """
    normalise_order_number(order_number)
    with uow:
        order = order_for_customer(uow, order_number, identity)
        return _options(order, _returned_units(uow, order), now or utcnow())


def _check_lines(items: Optional[Sequence[ReturnLine]]) -> Optional[List[ReturnLine]]:
    if items is None:
        return None
    if not isinstance(items, (list, tuple)) or not items:
        raise ValidationError("Choose at least one item to return.", field="items")
    if len(items) > policy.MAX_RETURN_LINES:
        raise ValidationError("Too many items in one return.", field="items")
    for line in items:
        if not isinstance(line, ReturnLine) or not isinstance(line.sku, str):
            raise ValidationError("Unknown item.", field="items")
        q = line.quantity
        if q is not None and (isinstance(q, bool) or not isinstance(q, int) or q < 1):
            raise ValidationError(
                "The quantity must be a whole number of at least 1.", field="quantity"
            )
    return list(items)


def _allocate(order: Order, lines: Optional[List[ReturnLine]], returned: Counter) -> Dict[int, int]:
    """Order item id -> units to return (``lines`` None: everything left); raises
    ValidationError on unknown items or too many."""
    wanted: Dict[int, int] = {}
    left = {item.id: max(int(item.quantity) - returned[item.id], 0) for item in order.items}
    if lines is None:
        return {item_id: units for item_id, units in left.items() if units > 0}
    for line in lines:
        sku = line.sku.strip().upper()
        matching = [item for item in order.items if item.product.sku.upper() == sku]
        if not matching:
            raise ValidationError(
                f"Order {order.order_number} has no item {sku[:20]}.", field="items"
            )
        available = sum(left[item.id] for item in matching)
        quantity = available if line.quantity is None else line.quantity
        if available == 0 or quantity > available:
            raise ValidationError(
                f"Only {available} of item {sku[:20]} can still be returned.", field="quantity"
            )
        for item in matching:  # the same product on several lines: fill them in order
            take = min(quantity, left[item.id])
            if take:
                wanted[item.id] = wanted.get(item.id, 0) + take
                left[item.id] -= take
                quantity -= take
    return wanted


def _existing_request(
    uow: UnitOfWork, order: Order, lines: Optional[List[ReturnLine]]
) -> Optional[Return]:
    """An open request of this order for exactly these items (the idempotent repeat)."""
    for ret in reversed(uow.returns.list_for_order(order.id)):  # the latest first
        if ret.status is not ReturnStatus.REQUESTED:
            continue
        mine = {item.order_item_id: int(item.quantity) for item in ret.items}
        try:
            again = _allocate(order, lines, _returned_units(uow, order, skip=ret.id))
        except ValidationError:
            continue
        if again == mine:
            return ret
    return None


def request_return(
    uow: UnitOfWork,
    order_number: str,
    identity: Identity,
    items: Optional[Sequence[ReturnLine]],
    reason: str,
    now: Optional[datetime] = None,
    *,
    language: Optional[str] = None,
    actor: str = "bot",
) -> ReturnView:
    """Request a return of ``items`` (None: everything not yet returned) of the customer's
    delivered order, with the refund it leads to.

    ``language`` ('en'/'zh') picks the e-mail's language (default: the customer's).

    Raises:
        ValidationError: malformed order number, no/unknown items, bad quantity, no reason.
        OrderNotFound: unknown order or not this customer's.
        ReturnNotAllowed: not delivered, outside the window, already returned, ...
    """
    normalise_order_number(order_number)
    lines = _check_lines(items)
    text = policy.clean_reason(reason)
    if text is None:
        raise ValidationError("Please tell us why you are returning the items.", field="reason")
    category = policy.classify_reason(text)
    when = now or utcnow()
    with uow:
        order = order_for_customer(uow, order_number, identity, for_update=True)
        existing = _existing_request(uow, order, lines)
        if existing is not None:
            return return_view(existing, created=False)
        returned = _returned_units(uow, order)
        eligibility = _eligibility(order, returned, when)
        if not eligibility.eligible:
            raise _not_allowed(order, eligibility)
        wanted = _allocate(order, lines, returned)
        by_id = {item.id: item for item in order.items}
        ret = Return(
            order=order,
            status=ReturnStatus.REQUESTED,
            reason=f"[{category}] {text}",
            created_at=when,
        )
        for item_id, quantity in wanted.items():
            ret.items.append(ReturnItem(order_item=by_id[item_id], quantity=quantity))
        amount = sum((by_id[i].unit_price * q for i, q in wanted.items()), Decimal("0")).quantize(
            Decimal("0.01")
        )
        refund = Refund(
            order=order, return_=ret, amount=amount, status=RefundStatus.PENDING, created_at=when
        )
        uow.returns.add(ret)
        uow.refunds.add(refund)
        uow.flush()
        refund.reference = refund_reference(refund.id)
        sent_to = _queue_instructions(uow, order, ret, refund, language)
        uow.audit.record(
            actor,
            "return.requested",
            "return",
            str(ret.id),
            {
                "order": order.order_number,
                "refund": refund.reference,
                "amount": str(amount),
                "items": {by_id[i].product.sku: q for i, q in wanted.items()},
                "reason": category,
            },
        )
        uow.flush()
        view = return_view(ret, created=True, instructions_sent_to=sent_to)
        uow.commit()
    return view


def _queue_instructions(
    uow: UnitOfWork, order: Order, ret: Return, refund: Refund, language: Optional[str]
) -> Optional[str]:
    customer = order.customer
    zh = messages.is_chinese(customer, language)
    reference = policy.return_reference(ret.id)
    subject, body = messages.return_instructions(
        zh=zh,
        order_number=order.order_number,
        return_reference=reference,
        refund_reference=str(refund.reference),
        lines=[
            messages.Line(
                item.order_item.product.name_for("zh" if zh else "en"), int(item.quantity)
            )
            for item in ret.items
        ],
        refund_amount=refund.amount,
        currency=order.currency,
        ship_by=policy.ship_back_by(ret.created_at),
        free_label=reason_category(ret.reason) in policy.FREE_RETURN_REASONS,
    )
    queued = messages.outbox_message(
        customer,
        "return_instructions",
        subject,
        body,
        {"order_number": order.order_number, "return": reference, "refund": str(refund.reference)},
    )
    if queued is None:
        return None
    message, masked = queued
    uow.outbox.add(message)
    return masked
