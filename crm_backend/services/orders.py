"""Order look-ups for customers (the bot) — with an identity check that leaks nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from crm_backend.errors import OrderNotFound, ValidationError
from crm_backend.models import Customer, Order
from crm_backend.services.identifiers import (
    normalise_email,
    normalise_order_number,
    normalise_phone,
    phones_match,
)
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


@dataclass(frozen=True)
class _Identity:
    email: Optional[str]
    phone: Optional[str]
    customer_id: Optional[int]


def _given(value: Optional[str]) -> Optional[str]:
    """None for a missing or blank value (normalised later otherwise)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _parse_identity(
    email: Optional[str], phone: Optional[str], customer_id: Optional[int]
) -> _Identity:
    given_email, given_phone = _given(email), _given(phone)
    if given_email is None and given_phone is None and customer_id is None:
        raise ValidationError(
            "Please give the e-mail address or phone number used for the order.",
            field="identity",
        )
    if customer_id is not None and (
        isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0
    ):
        raise ValidationError("Invalid customer id.", field="customer_id")
    return _Identity(
        email=normalise_email(given_email) if given_email is not None else None,
        phone=normalise_phone(given_phone) if given_phone is not None else None,
        customer_id=customer_id,
    )


def _owns(customer: Customer, identity: _Identity) -> bool:
    """Does any identifier given belong to ``customer`` (an active one)?"""
    if customer.deleted_at is not None or customer.anonymised:
        return False
    if identity.customer_id is not None and customer.id == identity.customer_id:
        return True
    if identity.email is not None and customer.email and customer.email == identity.email:
        return True
    return identity.phone is not None and phones_match(identity.phone, customer.phone)


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
    number = normalise_order_number(order_number)
    identity = _parse_identity(email, phone, customer_id)
    with uow:
        order = uow.orders.get_by_number(number)
        if order is None or not _owns(order.customer, identity):
            raise OrderNotFound()
        return _to_view(order)
