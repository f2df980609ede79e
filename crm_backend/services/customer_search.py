"""Customer search for the agent console: by name, e-mail, phone, order number or id.

``find_customers(uow, query)`` (re-exported by :mod:`crm_backend.services.customer360`)
classifies the query and runs at most four small, bounded queries plus one aggregate for
the matches' order counts. Case-insensitive; results carry masked contact details only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from sqlalchemy import func, select

from crm_backend.errors import ValidationError
from crm_backend.models import Customer, Order
from crm_backend.services.identifiers import is_valid_order_number, normalise_order_number
from crm_backend.services.return_messages import mask_email, mask_phone
from crm_backend.unit_of_work import UnitOfWork

MIN_QUERY, MAX_QUERY = 2, 100
DEFAULT_LIMIT, MAX_LIMIT = 20, 50
_PHONE_RE = re.compile(r"[0-9+()\-./\s]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    name: str
    email_masked: Optional[str]
    phone_masked: Optional[str]
    language: str
    country: Optional[str]
    status: str  # active | deleted | anonymised
    matched_on: str  # order | phone | email | name | customer_ref
    orders: int
    last_order_at: Optional[datetime]


def clean_query(query: object) -> str:
    """NFKC-folded, trimmed query without control characters; raises ValidationError."""
    if not isinstance(query, str):
        raise ValidationError("Type a name, e-mail, phone or order number.", field="query")
    text = unicodedata.normalize("NFKC", query[: MAX_QUERY * 4])
    text = " ".join("".join(ch for ch in text if ch.isprintable()).split())
    if not any(ch.isalnum() for ch in text):
        raise ValidationError("Type letters or digits to search for.", field="query")
    if len(text) < MIN_QUERY and not _HAN.search(text):  # one Han character is a surname
        raise ValidationError(f"Type at least {MIN_QUERY} characters.", field="query")
    if len(text) > MAX_QUERY:
        raise ValidationError(f"Type at most {MAX_QUERY} characters.", field="query")
    return text


def _matched_on(customer: Customer, text: str) -> str:
    lowered = text.lower()
    if lowered in customer.name.lower():
        return "name"
    if customer.email and lowered in customer.email:
        return "email"
    return "name"


def find_customers(
    uow: UnitOfWork, query: str, *, limit: int = DEFAULT_LIMIT
) -> Tuple[CustomerMatch, ...]:
    """Customers matching ``query``: order number, phone (>= 8 digits), exact customer ref,
    or a name / e-mail fragment; best matches first, at most ``limit`` (<= 50).

    Raises:
        ValidationError: query shorter than 2 or longer than 100 characters.
    """
    text = clean_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    found: Dict[int, Tuple[Customer, str]] = {}

    def add(customers: List[Customer], how: Optional[str]) -> None:
        for customer in customers:
            if customer.id not in found and len(found) < limit:
                found[customer.id] = (customer, how or _matched_on(customer, text))

    with uow:
        if is_valid_order_number(text):
            order = uow.orders.get_by_number(normalise_order_number(text))
            if order is not None:
                add([order.customer], "order")
        digits = re.sub(r"[^0-9]", "", text)
        if _PHONE_RE.fullmatch(text) and len(digits) >= 8:
            add(uow.customers.list_by_phone_digits(digits, limit=limit), "phone")
        reference = uow.customers.get_by_external_ref(text)
        if reference is not None:
            add([reference], "customer_ref")
        add(uow.customers.search_by_name_or_email(text, limit=limit), None)
        counts = (
            {
                cid: (int(n), last)
                for cid, n, last in uow.session.execute(
                    select(Order.customer_id, func.count(), func.max(Order.placed_at))
                    .where(Order.customer_id.in_(list(found)))
                    .group_by(Order.customer_id)
                )
            }
            if found
            else {}
        )
        return tuple(
            _match(customer, how, counts.get(cid, (0, None)))
            for cid, (customer, how) in found.items()
        )


def _match(customer: Customer, how: str, orders: Tuple[int, Optional[datetime]]) -> CustomerMatch:
    hidden = customer.anonymised
    status = "anonymised" if hidden else "deleted" if customer.deleted_at else "active"
    return CustomerMatch(
        id=customer.id,
        name="(anonymised)" if hidden else customer.name,
        email_masked=mask_email(customer.email) if customer.email and not hidden else None,
        phone_masked=mask_phone(customer.phone) if customer.phone and not hidden else None,
        language=str(customer.preferred_language),
        country=customer.country,
        status=status,
        matched_on=how,
        orders=orders[0],
        last_order_at=orders[1],
    )
