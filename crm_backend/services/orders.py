"""Order look-ups for customers (the bot) — with an identity check that leaks nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from crm_backend.models import Order
from crm_backend.services.access import order_for_customer, parse_identity
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OrderStatusView:
    """What a customer may learn about their own order."""

    order_number: str
    status: str  # pending | paid | shipped | delivered | cancelled | returned
    carrier: Optional[str]
    tracking_number: Optional[str]
    placed_at: datetime
    shipped_at: Optional[datetime]
    estimated_delivery: Optional[datetime]
    delivered_at: Optional[datetime]
    cancelled_at: Optional[datetime]
    item_count: int
    total: Decimal
    currency: str
    customer_language: str  # 'en' | 'zh'


def _to_view(order: Order) -> OrderStatusView:
    return OrderStatusView(
        order_number=order.order_number,
        status=str(order.status),
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        placed_at=order.placed_at,
        shipped_at=order.shipped_at,
        estimated_delivery=order.estimated_delivery,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        item_count=order.item_count,
        total=order.total,
        currency=order.currency,
        customer_language=str(order.customer.preferred_language),
    )


def get_order_status(
    uow: UnitOfWork,
    order_number: str,
    *,
    email: Optional[str] = None,
    phone: Optional[str] = None,
    customer_id: Optional[int] = None,
) -> OrderStatusView:
    """Status of ``order_number`` if the e-mail, phone or customer id belongs to its customer.

    Raises:
        ValidationError: malformed order number / e-mail / phone, or no identity given.
        OrderNotFound: unknown order *or* identity mismatch (indistinguishable on purpose).
    """
    normalise_order_number(order_number)  # format errors before identity errors
    identity = parse_identity(email, phone, customer_id)
    with uow:
        return _to_view(order_for_customer(uow, order_number, identity))
