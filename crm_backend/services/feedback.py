"""Customer feedback: complaints (tickets of kind ``complaint``) and reviews (1-5 stars).

A complaint is linked to an order only when the identity given owns it (an unknown
order and someone else's look the same: the number is then just noted), and to the
customer when verified or proven through the order. Its priority comes from the text.
A review needs a customer (verified by the caller); it may name one of their orders.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from crm_backend.errors import NotFound, OrderNotFound, ValidationError
from crm_backend.models import Order, Review, TicketKind, TicketPriority
from crm_backend.services.access import order_for_customer, parse_identity
from crm_backend.services.accounts import active_customer
from crm_backend.services.identifiers import is_valid_order_number, normalise_order_number
from crm_backend.services.tickets import TicketView, new_ticket, to_view
from crm_backend.unit_of_work import UnitOfWork

MAX_TEXT = 2000
_HAN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_URGENT = re.compile(
    r"injur|hurt|burn|fire|smoke|electric shock|unsafe|danger|poison|allerg|lawyer|solicitor"
    r"|legal action|court|sue\b|trading standards|fraud|scam|chargeback|police"
    r"|受伤|烫伤|烧伤|起火|着火|冒烟|触电|危险|有毒|过敏|律师|起诉|法院|消协|报警|诈骗|骗子",
    re.IGNORECASE,
)
_HIGH = re.compile(
    r"broken|damaged|smashed|cracked|never arrived|not arrived|missing|wrong item|refund"
    r"|charged twice|double charged|furious|angry|disgusted|unacceptable|worst|rude"
    r"|碎|破损|坏了|损坏|没收到|没到|丢了|少发|发错|退款|扣了两次|重复扣款|生气|气死|太差|最差|离谱|态度恶劣",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReviewView:
    id: int
    rating: int
    order_number: Optional[str]
    product_sku: Optional[str]
    created_at: datetime


def clean_text(value: object, *, limit: int = MAX_TEXT) -> str:
    """Printable text (new lines kept), trimmed and cut to ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFC", value[: limit * 2])
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return text.strip()[:limit]


def complaint_priority(text: str) -> TicketPriority:
    """Urgent for safety, legal or fraud words; high for damage, loss, money, anger."""
    if _URGENT.search(text):
        return TicketPriority.URGENT
    if _HIGH.search(text) or text.count("!") + text.count("！") >= 3:
        return TicketPriority.HIGH
    return TicketPriority.NORMAL


def file_complaint(
    uow: UnitOfWork,
    text: str,
    *,
    customer_id: Optional[int] = None,
    order_number: Optional[str] = None,
    email: Optional[str] = None,
    phone: Optional[str] = None,
    conversation_id: Optional[str] = None,
) -> TicketView:
    """Open a complaint ticket.

    Raises:
        ValidationError: empty complaint text.
    """
    body = clean_text(text)
    if len(body) < 2:
        raise ValidationError("Please describe what went wrong.", field="complaint")
    number = normalise_order_number(order_number) if is_valid_order_number(order_number) else None
    with uow:
        customer = None
        if customer_id is not None:
            customer = active_customer(uow, customer_id)
        order = _owned_order(uow, number, email, phone, customer_id) if number else None
        if customer is None and order is not None:
            customer = order.customer
        notes = body
        if number and order is None:
            notes += f"\n\n(Order number given but not matched to this customer: {number})"
        ticket = new_ticket(
            kind=TicketKind.COMPLAINT,
            reason="complaint",
            subject="Complaint: " + " ".join(body.split())[:120],
            priority=complaint_priority(body),
            customer_id=customer.id if customer is not None else None,
            order_id=order.id if order is not None else None,
            conversation_id=conversation_id,
            notes=notes,
            tags=["complaint", "chat"],
        )
        uow.tickets.add(ticket)
        uow.flush()
        view = to_view(ticket)
        uow.commit()
    return view


def _owned_order(
    uow: UnitOfWork,
    number: str,
    email: Optional[str],
    phone: Optional[str],
    customer_id: Optional[int],
) -> Optional[Order]:
    try:
        identity = parse_identity(email, phone, customer_id)
        return order_for_customer(uow, number, identity)
    except (ValidationError, OrderNotFound):
        return None


def clean_rating(value: object) -> int:
    """1-5 from ``4``, ``"4"``, ``"４"``, ``"4 stars"``, ``"★★★★"``, ``"四星"``."""
    if isinstance(value, bool):
        raise ValidationError("A rating is a whole number from 1 to 5.", field="rating")
    number = 0
    if isinstance(value, (int, float)) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value)[:50]
        match = re.search(r"(?<![\d.])([1-5])(?![\d.])|([一二两三四五])\s*颗?\s*[星分]", text)
        if match and match.group(1):
            number = int(match.group(1))
        elif match:
            number = _HAN_DIGITS[match.group(2)]
        else:
            number = text.count("★") or text.count("⭐")
    if not 1 <= number <= 5:
        raise ValidationError("A rating is a whole number from 1 to 5.", field="rating")
    return number


def leave_review(
    uow: UnitOfWork,
    customer_id: int,
    rating: object,
    text: Optional[str] = None,
    *,
    order_number: Optional[str] = None,
    product_sku: Optional[str] = None,
) -> ReviewView:
    """Store a review by a verified customer, optionally about one of their orders and/or
    a product (inferred when the order has a single product).

    Raises:
        ValidationError: rating not 1-5, or malformed order number.
        OrderNotFound: the order is unknown or not this customer's.
        NotFound: no active account with this id, or unknown product SKU.
    """
    stars = clean_rating(rating)
    body = clean_text(text) or None
    with uow:
        customer = active_customer(uow, customer_id)
        order = None
        if order_number:
            order = order_for_customer(uow, order_number, parse_identity(customer_id=customer.id))
        product = None
        if product_sku:
            product = uow.products.get_by_sku(str(product_sku).strip().upper()[:32])
            if product is None:
                raise NotFound("Unknown product.")
        elif order is not None and len({item.product_id for item in order.items}) == 1:
            product = order.items[0].product
        review = Review(
            customer_id=customer.id,
            order_id=order.id if order is not None else None,
            product_id=product.id if product is not None else None,
            rating=stars,
            text=body,
        )
        uow.reviews.add(review)
        uow.flush()
        view = ReviewView(
            id=review.id,
            rating=stars,
            order_number=order.order_number if order is not None else None,
            product_sku=product.sku if product is not None else None,
            created_at=review.created_at,
        )
        uow.commit()
    return view
