"""Invoices for customers: lists (identity-checked) and the printable document behind a link.

A customer opens an invoice through a signed, expiring link: the token (itsdangerous
``URLSafeTimedSerializer`` keyed with ``Settings.secret_key``) names the invoice, its order,
the customer and the page language, so it cannot be guessed or altered, and it stops working
after :data:`LINK_MAX_AGE`. Prices include UK VAT at :data:`VAT_RATE`; the document shows the
net/VAT breakdown worked out on the invoice total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, List, Optional, Tuple, Type, Union

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr

from crm_backend.errors import CRMError, NotFound
from crm_backend.models import Invoice, Order, PaymentStatus, utcnow
from crm_backend.services.access import Identity, order_for_customer
from crm_backend.services.customer_lookup import customer_for_identity
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.unit_of_work import UnitOfWork

VAT_RATE = Decimal("0.20")
"""UK standard VAT rate; shop prices include it."""

LINK_MAX_AGE = timedelta(hours=72)
"""How long an invoice link works after it was given out."""

DOCUMENT_PATH = "/documents/invoices/"
"""Web route of the invoice document; the token follows."""

MAX_TOKEN_LENGTH = 400
_SALT = "invoice-document-v1"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ShopDetails:
    legal_name: str
    trading_name: str
    address: Tuple[str, ...]
    email: str
    phone: str
    vat_number: str
    company_number: str


SHOP = ShopDetails(
    legal_name="Shop Retail Ltd",
    trading_name="Shop · 商店",
    address=("1 Example Street", "London EC1A 1BB", "United Kingdom"),
    email="support@shop.example",
    phone="+44 20 7946 0000",
    vat_number="GB 123 4567 89",
    company_number="01234567",
)
"""The seller printed on every invoice (demo details)."""


class LinkInvalid(NotFound):
    """The document link is malformed, forged or no longer points at a visible invoice."""


class LinkExpired(CRMError):
    """The document link was genuine but is older than :data:`LINK_MAX_AGE`."""


@dataclass(frozen=True)
class InvoiceSummary:
    invoice_number: str
    order_number: str
    issued_at: datetime
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class InvoiceLink:
    invoice: InvoiceSummary
    token: str
    path: str  # DOCUMENT_PATH + token; the caller prefixes the web app's URL
    expires_at: datetime


@dataclass(frozen=True)
class InvoiceLine:
    sku: str
    description: str
    quantity: int
    unit_price: Decimal  # incl. VAT
    line_total: Decimal  # incl. VAT


@dataclass(frozen=True)
class InvoiceDocument:
    shop: ShopDetails
    language: str
    invoice_number: str
    issued_at: datetime
    order_number: str
    order_date: datetime
    customer_name: str
    customer_email: Optional[str]
    billing_address: Tuple[str, ...]
    lines: Tuple[InvoiceLine, ...]
    items_total: Decimal
    other_charges: Decimal  # invoice amount minus the items (shipping, adjustments)
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    vat_rate_percent: int
    currency: str
    payment: Optional[str]  # e.g. "card", the method of the successful payment


def vat_breakdown(gross: Decimal) -> Tuple[Decimal, Decimal]:
    """(net, VAT) of a VAT-inclusive amount, to the penny; net + VAT == gross."""
    net = (gross / (1 + VAT_RATE)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return net, (gross - net).quantize(_CENT)


def _summary(invoice: Invoice, order: Order) -> InvoiceSummary:
    return InvoiceSummary(
        invoice_number=invoice.invoice_number,
        order_number=order.order_number,
        issued_at=invoice.issued_at,
        amount=invoice.amount,
        currency=order.currency,
    )


def list_order_invoices(
    uow: UnitOfWork, order_number: str, identity: Identity
) -> Tuple[InvoiceSummary, ...]:
    """The invoices of the customer's order (empty before it is paid).

    Raises:
        ValidationError: malformed order number.
        OrderNotFound: unknown order or not this customer's.
    """
    normalise_order_number(order_number)
    with uow:
        order = order_for_customer(uow, order_number, identity)
        return tuple(_summary(invoice, order) for invoice in order.invoices)


def list_customer_invoices(uow: UnitOfWork, identity: Identity) -> Tuple[InvoiceSummary, ...]:
    """Every invoice of the customer ``identity`` denotes, newest order first.

    Raises:
        NotFound: no such (active) customer.
    """
    with uow:
        customer = customer_for_identity(uow, identity)
        found: List[InvoiceSummary] = []
        for order in uow.orders.list_for_customer(customer.id):
            found.extend(_summary(invoice, order) for invoice in order.invoices)
        return tuple(found)


# --- signed links ----------------------------------------------------------------------


def _secret(secret_key: Union[str, SecretStr]) -> str:
    value = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
    if not isinstance(value, str) or not value:
        raise ValueError("a non-empty secret key is required to sign document links")
    return value


def _serializer(secret_key: Union[str, SecretStr], now: datetime) -> URLSafeTimedSerializer:
    stamp = int(now.timestamp())

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:  # the clock is injectable for tests
            return stamp

    signer: Type[TimestampSigner] = Signer
    return URLSafeTimedSerializer(_secret(secret_key), salt=_SALT, signer=signer)


def make_document_token(
    secret_key: Union[str, SecretStr],
    invoice_number: str,
    order_number: str,
    customer_id: int,
    language: str = "en",
    now: Optional[datetime] = None,
) -> str:
    """A signed, timestamped token naming one invoice of one customer."""
    lang = "zh" if language == "zh" else "en"
    return str(
        _serializer(secret_key, now or utcnow()).dumps(
            [invoice_number, order_number, customer_id, lang]
        )
    )


@dataclass(frozen=True)
class _Claims:
    invoice_number: str
    order_number: str
    customer_id: int
    language: str


def read_document_token(
    secret_key: Union[str, SecretStr],
    token: object,
    *,
    max_age: timedelta = LINK_MAX_AGE,
    now: Optional[datetime] = None,
) -> _Claims:
    """The claims of a genuine token; raises LinkExpired (too old) or LinkInvalid."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
        raise LinkInvalid("This link is not valid.")
    serializer = _serializer(secret_key, now or utcnow())
    try:
        data: Any = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkExpired("This link has expired.") from exc
    except (BadData, ValueError, TypeError) as exc:
        raise LinkInvalid("This link is not valid.") from exc
    if (
        not isinstance(data, list)
        or len(data) != 4
        or not all(isinstance(v, str) for v in (data[0], data[1], data[3]))
        or isinstance(data[2], bool)
        or not isinstance(data[2], int)
    ):
        raise LinkInvalid("This link is not valid.")
    return _Claims(data[0], data[1], data[2], data[3])


def invoice_links(
    uow: UnitOfWork,
    order_number: str,
    identity: Identity,
    *,
    secret_key: Union[str, SecretStr],
    language: str = "en",
    now: Optional[datetime] = None,
) -> Tuple[InvoiceLink, ...]:
    """A document link for each invoice of the customer's order (identity-checked).

    Raises:
        ValidationError: malformed order number.
        OrderNotFound: unknown order or not this customer's.
    """
    normalise_order_number(order_number)
    when = now or utcnow()
    with uow:
        order = order_for_customer(uow, order_number, identity)
        links = []
        for invoice in order.invoices:
            token = make_document_token(
                secret_key,
                invoice.invoice_number,
                order.order_number,
                order.customer_id,
                language,
                when,
            )
            links.append(
                InvoiceLink(
                    _summary(invoice, order), token, DOCUMENT_PATH + token, when + LINK_MAX_AGE
                )
            )
        return tuple(links)


def invoice_document(
    uow: UnitOfWork,
    token: object,
    *,
    secret_key: Union[str, SecretStr],
    now: Optional[datetime] = None,
) -> InvoiceDocument:
    """The invoice a link points at, ready to render.

    Raises:
        LinkExpired: a genuine link that is too old.
        LinkInvalid: malformed/forged link, or the invoice/customer is gone.
    """
    claims = read_document_token(secret_key, token, now=now)
    with uow:
        order = uow.orders.get_by_number(claims.order_number)
        invoice = next(
            (
                i
                for i in (order.invoices if order else [])
                if i.invoice_number == claims.invoice_number
            ),
            None,
        )
        if (
            order is None
            or invoice is None
            or order.customer_id != claims.customer_id
            or not order.customer.is_active
        ):
            raise LinkInvalid("This link is not valid.")
        return _document(order, invoice, claims.language)


def _document(order: Order, invoice: Invoice, language: str) -> InvoiceDocument:
    lines = tuple(
        InvoiceLine(
            sku=item.product.sku,
            description=item.product.name_for(language),
            quantity=int(item.quantity),
            unit_price=item.unit_price,
            line_total=(item.unit_price * int(item.quantity)).quantize(_CENT),
        )
        for item in order.items
    )
    items_total = sum((line.line_total for line in lines), Decimal("0")).quantize(_CENT)
    total = Decimal(invoice.amount).quantize(_CENT)
    net, vat = vat_breakdown(total)
    customer = order.customer
    address = tuple(
        part
        for part in (
            order.ship_name or customer.name,
            order.ship_line1,
            order.ship_line2,
            " ".join(p for p in (order.ship_postcode, order.ship_city) if p) or None,
            order.ship_country,
        )
        if part
    )
    paid = next((p for p in order.payments if p.status is not PaymentStatus.FAILED), None)
    return InvoiceDocument(
        shop=SHOP,
        language=language,
        invoice_number=invoice.invoice_number,
        issued_at=invoice.issued_at,
        order_number=order.order_number,
        order_date=order.placed_at,
        customer_name=customer.name,
        customer_email=customer.email,
        billing_address=address,
        lines=lines,
        items_total=items_total,
        other_charges=(total - items_total).quantize(_CENT),
        net_total=net,
        vat_total=vat,
        total=total,
        vat_rate_percent=int(VAT_RATE * 100),
        currency=order.currency,
        payment=str(paid.method) if paid is not None else None,
    )
