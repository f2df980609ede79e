"""A return after it was requested: its view, and the staff steps that move it on.

requested -> approved -> received -> refunded, or -> rejected from any open state
(:data:`returns_policy.RETURN_TRANSITIONS`). Refunding pays the pending refund and, once
everything in the order has come back, marks the order returned and its payment refunded.
Every step is audited and e-mails the customer where it matters to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional, Tuple

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import (
    OrderStatus,
    PaymentStatus,
    Refund,
    RefundStatus,
    Return,
    ReturnStatus,
    utcnow,
)
from crm_backend.services import return_messages as messages
from crm_backend.services import returns_policy as policy
from crm_backend.services.refunds import refund_reference
from crm_backend.unit_of_work import UnitOfWork

_STORED_CATEGORY = re.compile(r"^\[(\w+)\]\s*")


@dataclass(frozen=True)
class ReturnedItemView:
    sku: str
    name_en: str
    name_zh: Optional[str]
    quantity: int
    unit_price: Decimal

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" and self.name_zh else self.name_en


@dataclass(frozen=True)
class ReturnView:
    id: int
    reference: str  # RT-000012
    order_number: str
    status: str
    reason: Optional[str]  # as the customer put it
    reason_category: str
    items: Tuple[ReturnedItemView, ...]
    refund_reference: Optional[str]
    refund_amount: Optional[Decimal]
    refund_status: Optional[str]
    currency: str
    created_at: datetime
    ship_back_by: datetime
    free_label: bool
    instructions_sent_to: Optional[str] = None  # masked address, when just sent
    created: bool = False  # False when an identical earlier request was returned


def reason_category(stored: Optional[str]) -> str:
    """The category saved with a reason (``[damaged] ...``), else classified from the text."""
    match = _STORED_CATEGORY.match(stored or "")
    if match and match.group(1) in policy.REASON_CATEGORIES:
        return match.group(1)
    return policy.classify_reason(stored or "")


def _reason_text(stored: Optional[str]) -> Optional[str]:
    return _STORED_CATEGORY.sub("", stored, count=1) if stored else stored


def _refund_of(ret: Return) -> Optional[Refund]:
    return ret.refunds[-1] if ret.refunds else None


def return_view(
    ret: Return, *, created: bool = False, instructions_sent_to: Optional[str] = None
) -> ReturnView:
    refund = _refund_of(ret)
    category = reason_category(ret.reason)
    return ReturnView(
        id=ret.id,
        reference=policy.return_reference(ret.id),
        order_number=ret.order.order_number,
        status=str(ret.status),
        reason=_reason_text(ret.reason),
        reason_category=category,
        items=tuple(
            ReturnedItemView(
                sku=item.order_item.product.sku,
                name_en=item.order_item.product.name_en,
                name_zh=item.order_item.product.name_zh,
                quantity=int(item.quantity),
                unit_price=item.order_item.unit_price,
            )
            for item in ret.items
        ),
        refund_reference=refund.reference if refund is not None else None,
        refund_amount=refund.amount if refund is not None else None,
        refund_status=str(refund.status) if refund is not None else None,
        currency=ret.order.currency,
        created_at=ret.created_at,
        ship_back_by=policy.ship_back_by(ret.created_at),
        free_label=category in policy.FREE_RETURN_REASONS,
        instructions_sent_to=instructions_sent_to,
        created=created,
    )


def _load(uow: UnitOfWork, return_id: int) -> Return:
    if isinstance(return_id, bool) or not isinstance(return_id, int) or not 0 < return_id < 2**31:
        raise NotFound("No such return.")
    ret = uow.returns.get(return_id)
    if ret is None:
        raise NotFound("No such return.")
    return ret


def get_return(uow: UnitOfWork, return_id: int) -> ReturnView:
    """One return by id (for staff)."""
    with uow:
        return return_view(_load(uow, return_id))


def _move(ret: Return, new: ReturnStatus, when: datetime) -> ReturnStatus:
    old = ReturnStatus(ret.status)
    if not policy.can_transition(old, new):
        raise InvalidState(f"A {old.value} return cannot become {new.value}.")
    ret.status = new
    ret.updated_at = when
    return old


def _step(
    uow: UnitOfWork,
    return_id: int,
    new: ReturnStatus,
    actor: str,
    now: Optional[datetime],
    note: Optional[str] = None,
) -> ReturnView:
    when = now or utcnow()
    with uow:
        ret = _load(uow, return_id)
        old = _move(ret, new, when)
        if new is ReturnStatus.REFUNDED:
            _pay_refund(uow, ret, when)
        elif new is ReturnStatus.REJECTED:
            _reject_refund(uow, ret, note or "")
        details = {"from": old.value, "to": new.value}
        if note:
            details["note"] = note
        uow.audit.record(actor, f"return.{new.value}", "return", str(ret.id), details)
        uow.flush()
        view = return_view(ret)
        uow.commit()
    return view


def approve_return(
    uow: UnitOfWork, return_id: int, *, actor: str, now: Optional[datetime] = None
) -> ReturnView:
    """requested -> approved. Raises NotFound, InvalidState."""
    return _step(uow, return_id, ReturnStatus.APPROVED, actor, now)


def mark_return_received(
    uow: UnitOfWork, return_id: int, *, actor: str, now: Optional[datetime] = None
) -> ReturnView:
    """The parcel arrived: requested/approved -> received. Raises NotFound, InvalidState."""
    return _step(uow, return_id, ReturnStatus.RECEIVED, actor, now)


def refund_return(
    uow: UnitOfWork, return_id: int, *, actor: str, now: Optional[datetime] = None
) -> ReturnView:
    """received -> refunded: pay the refund and tell the customer. Raises NotFound,
    InvalidState."""
    return _step(uow, return_id, ReturnStatus.REFUNDED, actor, now)


def reject_return(
    uow: UnitOfWork, return_id: int, note: str, *, actor: str, now: Optional[datetime] = None
) -> ReturnView:
    """Any open state -> rejected, with the reason told to the customer; the pending refund
    will not be paid. Raises ValidationError (no note), NotFound, InvalidState."""
    clean = policy.clean_reason(note)
    if clean is None:
        raise ValidationError("Say why the return is rejected.", field="note")
    return _step(uow, return_id, ReturnStatus.REJECTED, actor, now, clean)


def _pay_refund(uow: UnitOfWork, ret: Return, when: datetime) -> None:
    order = ret.order
    refund = next((r for r in ret.refunds if r.status is RefundStatus.PENDING), None)
    if refund is None:  # requested before refunds were created with the return
        amount = sum((i.order_item.unit_price * int(i.quantity) for i in ret.items), Decimal("0"))
        refund = Refund(
            order=order, return_=ret, amount=amount, status=RefundStatus.PENDING, created_at=when
        )
        uow.refunds.add(refund)
        uow.flush()
        refund.reference = refund_reference(refund.id)
    refund.status = RefundStatus.PROCESSED
    refund.processed_at = when
    if _everything_back(uow, ret):
        order.status = OrderStatus.RETURNED
        for payment in order.payments:
            if payment.status is PaymentStatus.SUCCEEDED:
                payment.status = PaymentStatus.REFUNDED
    zh = messages.is_chinese(order.customer, None)
    subject, body = messages.refund_paid(
        zh=zh,
        order_number=order.order_number,
        refund_reference=str(refund.reference),
        amount=refund.amount,
        currency=order.currency,
    )
    queued = messages.outbox_message(
        order.customer, "refund_paid", subject, body, {"refund": str(refund.reference)}
    )
    if queued is not None:
        uow.outbox.add(queued[0])


def _everything_back(uow: UnitOfWork, ret: Return) -> bool:
    """Has every unit of the order come back in refunded returns (this one included)?"""
    back: dict = {}
    for other in uow.returns.list_for_order(ret.order_id):
        if other.status is ReturnStatus.REFUNDED or other.id == ret.id:
            for item in other.items:
                back[item.order_item_id] = back.get(item.order_item_id, 0) + int(item.quantity)
    return all(back.get(item.id, 0) >= int(item.quantity) for item in ret.order.items)


def _reject_refund(uow: UnitOfWork, ret: Return, note: str) -> None:
    for refund in ret.refunds:
        if refund.status is RefundStatus.PENDING:
            refund.status = RefundStatus.FAILED
    order = ret.order
    subject, body = messages.return_rejected(
        zh=messages.is_chinese(order.customer, None),
        order_number=order.order_number,
        return_reference=policy.return_reference(ret.id),
        note=note,
    )
    queued = messages.outbox_message(
        order.customer,
        "return_rejected",
        subject,
        body,
        {"return": policy.return_reference(ret.id)},
    )
    if queued is not None:
        uow.outbox.add(queued[0])
