"""Cancelling an order before it ships: the fee quote and the cancellation itself.

The rules (which statuses, the free window, the fee) live in :mod:`.policies`. A paid
order's cancellation creates a pending refund of ``total - fee``; a pending (unpaid) one
refunds nothing. Cancelling is idempotent (an already-cancelled order returns the existing
outcome, never a second refund) and safe under concurrency: the order row is locked
(``SELECT ... FOR UPDATE`` on PostgreSQL) and the status change is a compare-and-set, so of
two racing cancellations exactly one cancels and the other sees the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from crm_backend.errors import Conflict, InvalidState, ValidationError
from crm_backend.models import Order, OrderStatus, Refund, RefundStatus, utcnow
from crm_backend.services import policies
from crm_backend.services.access import Identity, order_for_customer
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.services.order_notices import REFUND_LINES, customer_language, money, queue_notice
from crm_backend.unit_of_work import UnitOfWork

ZERO = Decimal("0.00")


class FeeChanged(Conflict):
    """The fee is now higher than the one the customer accepted (e.g. the free window
    closed between the quote and the confirmation); ``fee`` is the current fee."""

    def __init__(self, fee: Decimal) -> None:
        super().__init__(f"The cancellation fee is now {fee}; please confirm again.")
        self.fee = fee


@dataclass(frozen=True)
class CancellationQuote:
    """What cancelling the order would cost now; nothing is changed by quoting."""

    order_number: str
    status: str
    cancellable: bool
    total: Decimal
    fee: Decimal  # 0 when free or not cancellable
    refund_amount: Decimal  # what would be refunded (0 if nothing was paid)
    currency: str
    paid: bool
    free_until: Optional[datetime]  # end of the free window (paid orders only)
    placed_at: datetime
    shipped_at: Optional[datetime]
    delivered_at: Optional[datetime]
    cancelled_at: Optional[datetime]
    existing_refund_amount: Optional[Decimal]  # for an already-cancelled order
    existing_refund_status: Optional[str]


@dataclass(frozen=True)
class CancellationResult:
    order_number: str
    already_cancelled: bool  # True: nothing was changed by this call
    cancelled_at: Optional[datetime]
    fee: Decimal
    refund_amount: Optional[Decimal]  # None: nothing to refund (unpaid order)
    refund_reference: Optional[str]
    refund_status: Optional[str]
    currency: str


def _require_identity(identity: object) -> Identity:
    if not isinstance(identity, Identity):
        raise ValidationError("Identity required (see access.parse_identity).", field="identity")
    return identity


def _cancellation_refund(uow: UnitOfWork, order: Order) -> Optional[Refund]:
    """The refund created by the order's cancellation (not a return's or an adjustment's)."""
    reference = cancellation_refund_reference(order.order_number)
    refunds = uow.refunds.list_for_order(order.id)
    return next((r for r in refunds if r.return_id is None and r.reference == reference), None)


def cancellation_refund_reference(order_number: str) -> str:
    """``RF-A1004``: the reference of the refund a cancellation creates (as in the seed)."""
    return f"RF-{order_number}"


def _was_paid(order: Order) -> bool:
    return order.paid_at is not None or order.status == OrderStatus.PAID


def _quote(uow: UnitOfWork, order: Order, now: datetime) -> CancellationQuote:
    cancellable = policies.is_changeable(order.status)
    fee = (
        policies.cancellation_fee(order.status, order.total, order.paid_at, now)
        if cancellable
        else ZERO
    )
    paid = _was_paid(order)
    refund = _cancellation_refund(uow, order) if order.status == OrderStatus.CANCELLED else None
    return CancellationQuote(
        order_number=order.order_number,
        status=str(order.status),
        cancellable=cancellable,
        total=order.total,
        fee=fee,
        refund_amount=(order.total - fee) if cancellable and paid else ZERO,
        currency=order.currency,
        paid=paid,
        free_until=policies.free_cancellation_until(order.status, order.paid_at),
        placed_at=order.placed_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        existing_refund_amount=refund.amount if refund is not None else None,
        existing_refund_status=str(refund.status) if refund is not None else None,
    )


def quote_cancellation(
    uow: UnitOfWork, order_number: str, identity: Identity, *, now: Optional[datetime] = None
) -> CancellationQuote:
    """The fee and refund for cancelling ``order_number`` now, without changing anything.

    Raises:
        ValidationError: malformed order number or identity.
        OrderNotFound: unknown order or not this customer's.
    """
    normalise_order_number(order_number)
    identity = _require_identity(identity)
    with uow:
        order = order_for_customer(uow, order_number, identity)
        return _quote(uow, order, now or utcnow())


def _existing_result(uow: UnitOfWork, order: Order) -> CancellationResult:
    refund = _cancellation_refund(uow, order)
    return CancellationResult(
        order_number=order.order_number,
        already_cancelled=True,
        cancelled_at=order.cancelled_at,
        fee=order.cancellation_fee or ZERO,
        refund_amount=refund.amount if refund is not None else None,
        refund_reference=refund.reference if refund is not None else None,
        refund_status=str(refund.status) if refund is not None else None,
        currency=order.currency,
    )


def _not_cancellable(order: Order) -> InvalidState:
    if order.status == OrderStatus.SHIPPED:
        return InvalidState("The order has already shipped and can no longer be cancelled.")
    return InvalidState(f"An order that is {order.status} can no longer be cancelled.")


def cancel_order(
    uow: UnitOfWork,
    order_number: str,
    identity: Identity,
    *,
    confirm: bool,
    now: Optional[datetime] = None,
    accept_fee: Optional[Decimal] = None,
    actor: str = "bot",
) -> CancellationResult:
    """Cancel ``order_number`` for its customer (only while pending or paid).

    ``confirm`` must be True: nothing is cancelled without the customer's explicit yes.
    ``accept_fee`` is the fee the customer was quoted; if the fee is now higher the order
    is left alone and :class:`FeeChanged` is raised so they can decide again.

    Raises:
        ValidationError: malformed input or ``confirm`` not True.
        OrderNotFound: unknown order or not this customer's.
        InvalidState: the order has shipped, been delivered or returned.
        FeeChanged: the fee went up since the customer accepted it.
    """
    normalise_order_number(order_number)
    identity = _require_identity(identity)
    if confirm is not True:
        raise ValidationError("A cancellation needs the customer's confirmation.", field="confirm")
    now = now or utcnow()
    with uow:
        order = order_for_customer(uow, order_number, identity, for_update=True)
        if order.status == OrderStatus.CANCELLED:
            return _existing_result(uow, order)
        if not policies.is_changeable(order.status):
            raise _not_cancellable(order)
        fee = policies.cancellation_fee(order.status, order.total, order.paid_at, now)
        if accept_fee is not None and fee > accept_fee:
            raise FeeChanged(fee)
        previous = str(order.status)
        if not uow.orders.change_status_if(
            order, policies.CHANGEABLE_STATUSES, OrderStatus.CANCELLED
        ):
            # lost a race with another change of this order: report what is there now
            uow.rollback()
            order = order_for_customer(uow, order_number, identity)
            if order.status == OrderStatus.CANCELLED:
                return _existing_result(uow, order)
            raise _not_cancellable(order)
        order.cancelled_at = now
        order.cancellation_fee = fee
        refund: Optional[Refund] = None
        if previous == OrderStatus.PAID and order.total - fee > ZERO:
            refund = Refund(
                order=order,
                amount=order.total - fee,
                status=RefundStatus.PENDING,
                reference=cancellation_refund_reference(order.order_number),
                created_at=now,
            )
            uow.refunds.add(refund)
        for item in order.items:  # the goods go back on the shelf
            item.product.stock = int(item.product.stock or 0) + int(item.quantity)
        _notify_cancelled(uow, order, fee, refund)
        uow.audit.record(
            actor,
            "order.cancelled",
            "order",
            order.order_number,
            {
                "previous_status": previous,
                "fee": str(fee),
                "refund": str(refund.amount) if refund is not None else None,
            },
        )
        uow.flush()
        result = CancellationResult(
            order_number=order.order_number,
            already_cancelled=False,
            cancelled_at=now,
            fee=fee,
            refund_amount=refund.amount if refund is not None else None,
            refund_reference=refund.reference if refund is not None else None,
            refund_status=str(refund.status) if refund is not None else None,
            currency=order.currency,
        )
        uow.commit()
    return result


def _notify_cancelled(
    uow: UnitOfWork, order: Order, fee: Decimal, refund: Optional[Refund]
) -> None:
    lines = REFUND_LINES[customer_language(order.customer)]
    if refund is not None:
        refund_line = lines["refund"].format(refund=money(refund.amount, order.currency))
    else:
        refund_line = lines["fee_only"] if order.paid_at is not None else lines["none"]
    queue_notice(
        uow,
        order.customer,
        "order_cancelled",
        {
            "order_number": order.order_number,
            "fee": money(fee, order.currency),
            "refund": money(refund.amount, order.currency) if refund is not None else "",
            "refund_line": refund_line,
        },
    )
