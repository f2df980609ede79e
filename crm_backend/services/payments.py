"""Payments: a customer's payments and payment problems (methods: :mod:`payment_methods`).

A payment problem becomes a ``payment`` ticket (see :mod:`tickets`) whose reference the
customer is given; double or unknown charges are high priority. Reporting the same problem
twice in one conversation returns the ticket already open instead of a second one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Optional, Tuple

from crm_backend.errors import ValidationError
from crm_backend.models import Order, TicketKind, TicketPriority, TicketStatus, utcnow
from crm_backend.services.access import Identity, order_for_customer
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.services.tickets import new_ticket, ticket_reference
from crm_backend.unit_of_work import UnitOfWork

MAX_DESCRIPTION = 2000
DUPLICATE_WINDOW = timedelta(hours=1)


# --- a customer's payments ------------------------------------------------------------


@dataclass(frozen=True)
class PaymentView:
    method: str
    amount: Decimal
    currency: str
    status: str  # pending | succeeded | failed | refunded
    created_at: datetime


def order_payments(
    uow: UnitOfWork, order_number: str, identity: Identity
) -> Tuple[PaymentView, ...]:
    """The payments of the customer's order, oldest first (identity-checked)."""
    normalise_order_number(order_number)
    with uow:
        order = order_for_customer(uow, order_number, identity)
        return tuple(
            PaymentView(str(p.method), p.amount, order.currency, str(p.status), p.created_at)
            for p in order.payments
        )


# --- payment problems -----------------------------------------------------------------

DOUBLE_CHARGE, UNKNOWN_CHARGE, PAYMENT_FAILED, OTHER = (
    "double_charge",
    "unknown_charge",
    "payment_failed",
    "payment_other",
)
_ISSUE_WORDS = (
    (
        DOUBLE_CHARGE,
        (
            "charged twice",
            "double",
            "twice",
            "two times",
            "2 times",
            "duplicate",
            "charged 2",
            "two payments",
            "两次",
            "重复",
            "多扣",
            "扣了两",
            "两笔",
            "二次扣",
        ),
    ),
    (
        UNKNOWN_CHARGE,
        (
            "unauthorised",
            "unauthorized",
            "fraud",
            "didn't make",
            "did not make",
            "don't recognise",
            "don't recognize",
            "stolen",
            "盗刷",
            "不认识",
            "没买",
            "陌生",
        ),
    ),
    (
        PAYMENT_FAILED,
        (
            "fail",
            "declin",
            "reject",
            "error",
            "won't go through",
            "not going through",
            "失败",
            "被拒",
            "拒绝",
            "错误",
            "付不了",
            "不成功",
        ),
    ),
)
HIGH_PRIORITY = frozenset({DOUBLE_CHARGE, UNKNOWN_CHARGE})


def classify_issue(description: str) -> str:
    folded = unicodedata.normalize("NFKC", description).lower()
    for kind, words in _ISSUE_WORDS:
        if any(word in folded for word in words):
            return kind
    return OTHER


@dataclass(frozen=True)
class PaymentIssueView:
    ticket_id: int
    reference: str  # T-000123
    priority: str
    category: str
    order_number: Optional[str]
    created: bool  # False: the same problem was already reported in this conversation


def _clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise ValidationError("Please describe the payment problem.", field="description")
    text = unicodedata.normalize("NFKC", description[: MAX_DESCRIPTION * 2])
    text = " ".join("".join(ch for ch in text if ch >= " ").split())[:MAX_DESCRIPTION]
    if not any(ch.isalnum() for ch in text):
        raise ValidationError("Please describe the payment problem.", field="description")
    return text


def report_payment_issue(
    uow: UnitOfWork,
    description: str,
    *,
    order_number: Optional[str] = None,
    identity: Optional[Identity] = None,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> PaymentIssueView:
    """Open a payment ticket and return its reference.

    With an order number the identity is required and checked, and the ticket is linked
    to the order and its customer.

    Raises:
        ValidationError: empty description, malformed order number, or an order number
            without identity.
        OrderNotFound: unknown order or not this customer's.
    """
    text = _clean_description(description)
    if order_number is not None:
        normalise_order_number(order_number)
        if identity is None:
            raise ValidationError(
                "Please give the e-mail address or phone number used for the order.",
                field="identity",
            )
    category = classify_issue(text)
    priority = TicketPriority.HIGH if category in HIGH_PRIORITY else TicketPriority.NORMAL
    when = now or utcnow()
    with uow:
        order: Optional[Order] = None
        if order_number is not None and identity is not None:
            order = order_for_customer(uow, order_number, identity)
        repeat = _repeat(uow, conversation_id, order, text, when)
        if repeat is not None:
            return repeat
        label = {
            DOUBLE_CHARGE: "charged twice",
            UNKNOWN_CHARGE: "unrecognised charge",
            PAYMENT_FAILED: "payment failed",
        }.get(category, "payment problem")
        subject = f"{order.order_number}: {label}" if order else f"Payment issue: {label}"
        contact = None
        if order is None and identity is not None:
            contact = identity.email or identity.phone
        notes = text if contact is None else f"{text}\n\nContact given: {contact}"
        ticket = new_ticket(
            kind=TicketKind.PAYMENT,
            subject=subject,
            reason=category,
            priority=priority,
            customer_id=order.customer_id if order else None,
            order_id=order.id if order else None,
            conversation_id=conversation_id,
            notes=notes,
            tags=["payment", category],
        )
        ticket.created_at = ticket.updated_at = when
        uow.tickets.add(ticket)
        uow.flush()
        uow.audit.record(
            "bot",
            "ticket.opened",
            "ticket",
            str(ticket.id),
            {"kind": "payment", "priority": str(priority), "reason": category},
        )
        view = PaymentIssueView(
            ticket.id,
            ticket_reference(ticket.id),
            str(priority),
            category,
            order.order_number if order else None,
            True,
        )
        uow.commit()
    return view


def _repeat(
    uow: UnitOfWork,
    conversation_id: Optional[str],
    order: Optional[Order],
    text: str,
    when: datetime,
) -> Optional[PaymentIssueView]:
    if not conversation_id:
        return None
    last = uow.tickets.latest_for_conversation(conversation_id[:128])
    if (
        last is None
        or last.kind is not TicketKind.PAYMENT
        or last.status not in (TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.PENDING)
        or last.order_id != (order.id if order else None)
        or not (last.notes or "").startswith(text)
        or when - last.created_at > DUPLICATE_WINDOW
    ):
        return None
    return PaymentIssueView(
        last.id,
        ticket_reference(last.id),
        str(last.priority),
        last.reason or OTHER,
        order.order_number if order else None,
        False,
    )
