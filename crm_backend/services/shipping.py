"""Shipping: re-address an order before it ships, grow the address book, delivery answers.

- :func:`change_shipping_address`: only while the order is changeable (:mod:`.policies`)
  and within the same delivery region (another region means another price and carrier:
  cancel and re-order instead); notice in the outbox, audit entry.
- :func:`set_up_shipping_address`: adds an address to a verified customer's address book.
  Verified = owns a given order (order number + e-mail/phone), or e-mail *and* phone both
  match one active customer. A failed check says only "no account matches".
- :func:`delivery_options`: the options of a region from :mod:`.delivery_policy`, with
  the delivery window for an order paid now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping, Optional, Tuple, Union

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import Address, Customer, Order, utcnow
from crm_backend.services import delivery_policy, policies
from crm_backend.services.access import Identity, order_for_customer, owns
from crm_backend.services.addresses import PostalAddress, validate_address
from crm_backend.services.identifiers import normalise_order_number, phones_match
from crm_backend.services.order_notices import customer_language, queue_notice
from crm_backend.unit_of_work import UnitOfWork

MAX_ADDRESSES = 20
"""Most addresses one customer may keep in their address book."""

AddressInput = Union[PostalAddress, Mapping[str, Any]]


class RegionChange(InvalidState):
    """The new address is in another delivery region than the order was priced for."""


class AddressBookFull(InvalidState):
    """The customer already has :data:`MAX_ADDRESSES` addresses."""


@dataclass(frozen=True)
class ShippingDetailsView:
    order_number: str
    status: str
    changeable: bool
    address: Optional[PostalAddress]
    region: Optional[str]
    shipping_method: str
    changed: bool = False


@dataclass(frozen=True)
class AddressBookEntryView:
    address_id: int
    address: PostalAddress
    is_default: bool
    already_saved: bool  # True: the same address was in the book already
    address_count: int


@dataclass(frozen=True)
class DeliveryOptionView:
    region: str
    method: str
    price: Decimal
    min_days: int
    max_days: int
    free_over: Optional[Decimal]
    carriers: Tuple[str, ...]
    earliest: date  # for an order paid now
    latest: date


def _order_address(order: Order) -> Optional[PostalAddress]:
    if not order.ship_line1 or not order.ship_city or not order.ship_country:
        return None
    return PostalAddress(
        line1=order.ship_line1,
        line2=order.ship_line2,
        city=order.ship_city,
        postcode=order.ship_postcode,
        country=order.ship_country,
    )


def _details(order: Order, changed: bool = False) -> ShippingDetailsView:
    return ShippingDetailsView(
        order_number=order.order_number,
        status=str(order.status),
        changeable=policies.is_changeable(order.status),
        address=_order_address(order),
        region=delivery_policy.region_for_country(order.ship_country),
        shipping_method=order.shipping_method,
        changed=changed,
    )


def _address(value: object) -> PostalAddress:
    if isinstance(value, PostalAddress):
        return validate_address(value.as_dict())
    if isinstance(value, Mapping):
        return validate_address(value)
    raise ValidationError("Please give the address.", field="address")


def _identity(identity: object) -> Identity:
    if not isinstance(identity, Identity):
        raise ValidationError("Identity required.", field="identity")
    return identity


def get_shipping_details(
    uow: UnitOfWork, order_number: str, identity: Identity
) -> ShippingDetailsView:
    """Where the customer's order goes and whether that can still be changed."""
    normalise_order_number(order_number)
    identity = _identity(identity)
    with uow:
        return _details(order_for_customer(uow, order_number, identity))


def change_shipping_address(
    uow: UnitOfWork,
    order_number: str,
    identity: Identity,
    address: AddressInput,
    *,
    actor: str = "bot",
) -> ShippingDetailsView:
    """Send the customer's order to ``address`` instead.

    Raises:
        ValidationError / AddressError: malformed input.
        OrderNotFound: unknown order or not this customer's.
        InvalidState: the order has shipped (or is cancelled, ...), or is click-and-collect.
        RegionChange: the address is in another delivery region.
    """
    normalise_order_number(order_number)
    identity = _identity(identity)
    new = _address(address)
    with uow:
        order = order_for_customer(uow, order_number, identity, for_update=True)
        if not policies.is_changeable(order.status):
            raise InvalidState(f"An order that is {order.status} can no longer be re-addressed.")
        if order.shipping_method == delivery_policy.CLICK_AND_COLLECT:
            raise InvalidState("This order is collected from the shop; it has no address.")
        old = _order_address(order)
        old_region = delivery_policy.region_for_country(order.ship_country)
        if old_region is not None and delivery_policy.region_for_country(new.country) != old_region:
            raise RegionChange("The new address is in another delivery region.")
        if old == new:
            return _details(order)
        if not uow.orders.change_status_if(order, policies.CHANGEABLE_STATUSES, order.status):
            uow.rollback()
            raise InvalidState("The order changed meanwhile; please check it again.")
        order.ship_line1, order.ship_line2 = new.line1, new.line2
        order.ship_city, order.ship_postcode, order.ship_country = (
            new.city,
            new.postcode,
            new.country,
        )
        language = customer_language(order.customer)
        queue_notice(
            uow,
            order.customer,
            "shipping_address_changed",
            {"order_number": order.order_number, "address": "\n".join(new.lines(language))},
        )
        uow.audit.record(
            actor,
            "order.address_changed",
            "order",
            order.order_number,
            {"country": new.country, "previous_country": old.country if old else None},
        )
        view = _details(order, changed=True)
        uow.commit()
    return view


def _verified_customer(
    uow: UnitOfWork, identity: Identity, order_number: Optional[str]
) -> Customer:
    if order_number:
        return order_for_customer(uow, order_number, identity).customer
    if identity.customer_id is not None:  # verified by the channel (e.g. a one-time code)
        verified = uow.customers.get(identity.customer_id)
        if verified is None or not owns(verified, identity):
            raise NotFound("No account matches these details.")
        return verified
    if identity.email is None or identity.phone is None:
        raise ValidationError(
            "Give an order number, or both the e-mail and the phone on the account.",
            field="identity",
        )
    customer = uow.customers.get_by_email(identity.email)
    if (
        customer is None
        or not owns(customer, identity)
        or not phones_match(identity.phone, customer.phone)
    ):
        raise NotFound("No account matches these details.")
    return customer


def _same(entry: Address, address: PostalAddress) -> bool:
    return (
        entry.line1.casefold() == address.line1.casefold()
        and (entry.line2 or "").casefold() == (address.line2 or "").casefold()
        and entry.city.casefold() == address.city.casefold()
        and (entry.postcode or "") == (address.postcode or "")
        and entry.country == address.country
    )


def check_address_book_access(
    uow: UnitOfWork, identity: Identity, *, order_number: Optional[str] = None
) -> int:
    """Verify the customer as :func:`set_up_shipping_address` will (before asking for the
    address); returns how many addresses they have saved.

    Raises:
        ValidationError: not enough to verify.
        NotFound: no account matches (OrderNotFound when verifying through an order).
    """
    identity = _identity(identity)
    if order_number:
        normalise_order_number(order_number)
    with uow:
        return len(_verified_customer(uow, identity, order_number).addresses)


def set_up_shipping_address(
    uow: UnitOfWork,
    identity: Identity,
    address: AddressInput,
    *,
    order_number: Optional[str] = None,
    make_default: bool = False,
    actor: str = "bot",
) -> AddressBookEntryView:
    """Add ``address`` to the verified customer's address book (idempotent).

    Raises:
        ValidationError / AddressError: malformed input, or not enough to verify.
        NotFound: no account matches (OrderNotFound when verifying through an order).
        AddressBookFull: the address book is full.
    """
    identity = _identity(identity)
    if order_number:
        normalise_order_number(order_number)
    new = _address(address)
    with uow:
        customer = _verified_customer(uow, identity, order_number)
        existing = next((a for a in customer.addresses if _same(a, new)), None)
        if existing is not None:
            return AddressBookEntryView(
                existing.id, new, bool(existing.is_default), True, len(customer.addresses)
            )
        if len(customer.addresses) >= MAX_ADDRESSES:
            raise AddressBookFull(f"The address book is full ({MAX_ADDRESSES} addresses).")
        make_default = make_default or not customer.addresses
        if make_default:
            for entry in customer.addresses:
                entry.is_default = False
        entry = Address(
            line1=new.line1,
            line2=new.line2,
            city=new.city,
            postcode=new.postcode,
            country=new.country,
            is_default=make_default,
        )
        customer.addresses.append(entry)
        language = customer_language(customer)
        queue_notice(uow, customer, "address_added", {"address": "\n".join(new.lines(language))})
        uow.audit.record(
            actor, "customer.address_added", "customer", str(customer.id), {"country": new.country}
        )
        uow.flush()
        view = AddressBookEntryView(entry.id, new, make_default, False, len(customer.addresses))
        uow.commit()
    return view


def delivery_options(
    region: str, *, now: Optional[datetime] = None
) -> Tuple[DeliveryOptionView, ...]:
    """The delivery options for ``region`` with the window for an order paid ``now``.

    Raises:
        ValidationError: unknown region.
    """
    if region not in delivery_policy.REGIONS:
        raise ValidationError("Unknown delivery region.", field="region")
    paid_at = now or utcnow()
    views = []
    for option in delivery_policy.options_for(region):
        earliest, latest = delivery_policy.estimate_delivery(region, option.method, paid_at)
        views.append(
            DeliveryOptionView(
                region=region,
                method=option.method,
                price=option.price,
                min_days=option.min_days,
                max_days=option.max_days,
                free_over=option.free_over,
                carriers=option.carriers,
                earliest=earliest,
                latest=latest,
            )
        )
    return tuple(views)
