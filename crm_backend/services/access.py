"""Who may see or change an order: the identity check every customer-facing service uses.

A customer proves access to an order with the e-mail address or phone number on it, or
with a customer id the channel has already verified. An unknown order and an identity
mismatch raise the same :class:`OrderNotFound`, so nothing leaks about other customers.
"""

from __future__ import annotations

from dataclasses import dataclass
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
class Identity:
    """What the customer told us about themselves (normalised)."""

    email: Optional[str] = None
    phone: Optional[str] = None
    customer_id: Optional[int] = None


def _blank(value: Optional[str]) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_identity(
    email: Optional[str] = None,
    phone: Optional[str] = None,
    customer_id: Optional[int] = None,
) -> Identity:
    """Normalise the identifiers; at least one is required.

    Raises:
        ValidationError: nothing given, or a malformed e-mail / phone / customer id.
    """
    given_email = None if _blank(email) else email
    given_phone = None if _blank(phone) else phone
    if given_email is None and given_phone is None and customer_id is None:
        raise ValidationError(
            "Please give the e-mail address or phone number used for the order.",
            field="identity",
        )
    if customer_id is not None and (
        isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0
    ):
        raise ValidationError("Invalid customer id.", field="customer_id")
    return Identity(
        email=normalise_email(given_email) if given_email is not None else None,
        phone=normalise_phone(given_phone) if given_phone is not None else None,
        customer_id=customer_id,
    )


def owns(customer: Customer, identity: Identity) -> bool:
    """Does any identifier given belong to ``customer`` (an active one)?"""
    if customer.deleted_at is not None or customer.anonymised:
        return False
    if identity.customer_id is not None and customer.id == identity.customer_id:
        return True
    if identity.email is not None and customer.email and customer.email == identity.email:
        return True
    return identity.phone is not None and phones_match(identity.phone, customer.phone)


def order_for_customer(
    uow: UnitOfWork, order_number: str, identity: Identity, *, for_update: bool = False
) -> Order:
    """Load ``order_number`` inside an entered unit of work if ``identity`` owns it.

    Raises:
        ValidationError: malformed order number.
        OrderNotFound: unknown order or not this customer's (indistinguishable).
    """
    number = normalise_order_number(order_number)
    order = uow.orders.get_by_number(number, for_update=for_update)
    if order is None or not owns(order.customer, identity):
        raise OrderNotFound()
    return order
