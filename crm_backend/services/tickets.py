"""Tickets: opening one for the customer (payment issues, complaints, escalations), and
the agent console's queue operations on them (list the queue, claim, assign, add a note,
resolve with note + tags, hand a conversation back to the bot).

Queue operations are safe under concurrency: claiming is a compare-and-set on the status,
so of two agents claiming the same escalation exactly one gets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Sequence, Tuple

from crm_backend.errors import Conflict, InvalidState, NotFound, ValidationError
from crm_backend.models import StaffUser, Ticket, TicketKind, TicketPriority, TicketStatus, utcnow
from crm_backend.unit_of_work import UnitOfWork

MAX_SUBJECT = 200
MAX_NOTES = 5000
MAX_NOTES_TOTAL = 50_000
MAX_TAGS = 10
MAX_TAG = 30
_TAG_RE = re.compile(r"[^a-z0-9\u4e00-\u9fff _-]")
CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
TICKET_NOT_FOUND = "No such ticket."


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
    assignee_id: Optional[int] = None
    assignee_name: Optional[str] = None
    notes: Optional[str] = None
    tags: Tuple[str, ...] = ()
    updated_at: Optional[datetime] = None
    resolved_at: Optional[datetime] = None


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
        assignee_id=ticket.assignee_id,
        assignee_name=ticket.assignee.display_name if ticket.assignee is not None else None,
        notes=ticket.notes,
        tags=tuple(str(tag) for tag in (ticket.tags or [])),
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
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


# ------------------------------------------------------------------ agent queue


def clean_tags(tags: Sequence[object]) -> List[str]:
    """Lower-case, strip odd characters, drop empties and duplicates; at most MAX_TAGS."""
    out: List[str] = []
    for raw in tags:
        tag = _TAG_RE.sub("", str(raw).strip().lower())[:MAX_TAG].strip()
        if tag and tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags.", field="tags")
    return out


def _load(uow: UnitOfWork, ticket_id: int, *, for_update: bool = False) -> Ticket:
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id <= 0:
        raise NotFound(TICKET_NOT_FOUND)
    ticket = uow.tickets.get_for_update(ticket_id) if for_update else uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def _staff(uow: UnitOfWork, staff_id: int) -> StaffUser:
    staff = uow.staff.get(staff_id)
    if staff is None or not staff.active:
        raise NotFound("No such staff member.")
    return staff


def _append_note(ticket: Ticket, author: StaffUser, text: Optional[str], now: datetime) -> None:
    note = _clean(text, MAX_NOTES)
    if not note:
        return
    line = f"[{now:%Y-%m-%d %H:%M} UTC] {author.display_name}: {note}"
    combined = f"{ticket.notes}\n{line}" if ticket.notes else line
    if len(combined) > MAX_NOTES_TOTAL:
        raise ValidationError("The ticket's notes are full.", field="note")
    ticket.notes = combined


def _require_open(ticket: Ticket) -> None:
    if ticket.status in CLOSED_STATUSES:
        raise InvalidState(f"Ticket {ticket_reference(ticket.id)} is already {ticket.status}.")


def list_queue(uow: UnitOfWork, *, limit: int = 200) -> List[TicketView]:
    """Open and assigned escalations, most urgent first, then the longest waiting."""
    with uow:
        return [to_view(ticket) for ticket in uow.tickets.list_queue(limit=limit)]


def waiting_count(uow: UnitOfWork) -> int:
    """Escalations waiting for an agent (not yet claimed)."""
    with uow:
        return uow.tickets.count_queue()


def get_ticket(uow: UnitOfWork, ticket_id: int) -> TicketView:
    with uow:
        return to_view(_load(uow, ticket_id))


def ticket_for_conversation(uow: UnitOfWork, conversation_id: str) -> Optional[TicketView]:
    """The conversation's latest ticket, if any."""
    with uow:
        ticket = uow.tickets.latest_for_conversation(str(conversation_id)[:128])
        return to_view(ticket) if ticket is not None else None


def claim(uow: UnitOfWork, ticket_id: int, staff_id: int) -> TicketView:
    """Take an open ticket. Idempotent for its own assignee.

    Raises:
        NotFound: no such ticket or staff member. Conflict: another agent has it.
        InvalidState: the ticket is resolved or closed.
    """
    with uow:
        staff = _staff(uow, staff_id)
        ticket = _load(uow, ticket_id)
        _require_open(ticket)
        if ticket.assignee_id == staff.id and ticket.status == TicketStatus.ASSIGNED:
            return to_view(ticket)
        if not uow.tickets.claim_if_open(ticket.id, staff.id):
            uow.session.refresh(ticket)
            _require_open(ticket)
            if ticket.assignee_id != staff.id:
                owner = ticket.assignee.display_name if ticket.assignee else "another agent"
                raise Conflict(f"{owner} has already taken this conversation.")
        uow.session.refresh(ticket)
        view = to_view(ticket)
        uow.commit()
    return view


def assign(uow: UnitOfWork, ticket_id: int, assignee_id: int, *, by_staff_id: int) -> TicketView:
    """Give an open or assigned ticket to ``assignee_id`` (hand-over between agents)."""
    with uow:
        _staff(uow, by_staff_id)
        assignee = _staff(uow, assignee_id)
        ticket = _load(uow, ticket_id, for_update=True)
        _require_open(ticket)
        ticket.assignee_id = assignee.id
        ticket.assignee = assignee
        ticket.status = TicketStatus.ASSIGNED
        uow.flush()
        view = to_view(ticket)
        uow.commit()
    return view


def add_note(uow: UnitOfWork, ticket_id: int, staff_id: int, text: str) -> TicketView:
    """Append a timestamped, signed note (internal: never shown to the customer)."""
    with uow:
        staff = _staff(uow, staff_id)
        ticket = _load(uow, ticket_id, for_update=True)
        if not _clean(text, MAX_NOTES):
            raise ValidationError("The note is empty.", field="note")
        _append_note(ticket, staff, text, utcnow())
        uow.flush()
        view = to_view(ticket)
        uow.commit()
    return view


def resolve(
    uow: UnitOfWork,
    ticket_id: int,
    staff_id: int,
    *,
    note: str,
    tags: Sequence[object] = (),
) -> TicketView:
    """Close the case as solved, with a resolution note (required) and tags."""
    with uow:
        staff = _staff(uow, staff_id)
        ticket = _load(uow, ticket_id, for_update=True)
        _require_open(ticket)
        if not _clean(note, MAX_NOTES):
            raise ValidationError("Please write a resolution note.", field="note")
        now = utcnow()
        _append_note(ticket, staff, note, now)
        ticket.tags = clean_tags([*(ticket.tags or []), *tags])
        ticket.status = TicketStatus.RESOLVED
        ticket.assignee_id = ticket.assignee_id or staff.id
        ticket.resolved_at = now
        uow.flush()
        uow.session.refresh(ticket)
        view = to_view(ticket)
        uow.commit()
    return view


def hand_back(
    uow: UnitOfWork, ticket_id: int, staff_id: int, *, note: Optional[str] = None
) -> TicketView:
    """The agent returns the conversation to the bot: the ticket leaves the queue (CLOSED,
    tagged ``handed_back``); the conversation's context is kept."""
    with uow:
        staff = _staff(uow, staff_id)
        ticket = _load(uow, ticket_id, for_update=True)
        _require_open(ticket)
        now = utcnow()
        _append_note(ticket, staff, note or "Handed back to the bot.", now)
        ticket.tags = clean_tags([*(ticket.tags or []), "handed_back"])
        ticket.status = TicketStatus.CLOSED
        ticket.assignee_id = ticket.assignee_id or staff.id
        ticket.resolved_at = now
        uow.flush()
        uow.session.refresh(ticket)
        view = to_view(ticket)
        uow.commit()
    return view
