"""Tickets: opening one for the customer (payment issues, complaints, escalations).

The agent console's queue operations (claim, assign, resolve) build on these views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence

from crm_backend.errors import ValidationError
from crm_backend.models import Ticket, TicketKind, TicketPriority, TicketStatus
from crm_backend.unit_of_work import UnitOfWork

MAX_SUBJECT = 200
MAX_NOTES = 5000


@dataclass(frozen=True)
class TicketView:
    id: int
    reference: str
    kind: str
    reason: Optional[str]
    priority: str
    status: str
    subject: str
    customer_id: Optional[int]
    order_id: Optional[int]
    conversation_id: Optional[str]
    created_at: datetime


def ticket_reference(ticket_id: int) -> str:
    """The number a customer is given, e.g. ``T-000123``."""
    return f"T-{ticket_id:06d}"


def to_view(ticket: Ticket) -> TicketView:
    return TicketView(
        id=ticket.id,
        reference=ticket_reference(ticket.id),
        kind=str(ticket.kind),
        reason=ticket.reason,
        priority=str(ticket.priority),
        status=str(ticket.status),
        subject=ticket.subject,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id,
        conversation_id=ticket.conversation_id,
        created_at=ticket.created_at,
    )


def _clean(text: Optional[str], limit: int) -> Optional[str]:
    if text is None:
        return None
    text = "".join(ch for ch in str(text) if ch == "\n" or ch >= " ").strip()
    return text[:limit] or None


def new_ticket(
    *,
    kind: TicketKind,
    subject: str,
    reason: Optional[str] = None,
    priority: TicketPriority = TicketPriority.NORMAL,
    customer_id: Optional[int] = None,
    order_id: Optional[int] = None,
    conversation_id: Optional[str] = None,
    notes: Optional[str] = None,
    tags: Sequence[str] = (),
) -> Ticket:
    """Build a validated, open ticket (not yet added to a session)."""
    clean_subject = _clean(subject, MAX_SUBJECT)
    if not clean_subject:
        raise ValidationError("A ticket needs a subject.", field="subject")
    return Ticket(
        kind=kind,
        subject=clean_subject,
        reason=_clean(reason, 100),
        priority=priority,
        status=TicketStatus.OPEN,
        customer_id=customer_id,
        order_id=order_id,
        conversation_id=_clean(conversation_id, 128),
        notes=_clean(notes, MAX_NOTES),
        tags=list(tags),
    )


def open_ticket(uow: UnitOfWork, **fields: object) -> TicketView:
    """Create an open ticket (see :func:`new_ticket` for the fields) and commit it."""
    with uow:
        ticket = new_ticket(**fields)  # type: ignore[arg-type]
        uow.tickets.add(ticket)
        uow.session.flush()
        view = to_view(ticket)
        uow.commit()
    return view
