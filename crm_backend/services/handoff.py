"""Live human handoff: open the escalation, estimate the wait, follow up when nobody is in.

:func:`request_handoff` is what the bot's handoff action calls. It records an escalation
ticket (reason, priority, conversation, customer when known), marks the conversation's
interaction row as handed off, and says whether an agent can join now: inside the support
hours and with a queue shorter than the limit. Otherwise the ticket is a follow-up case
(kind ``support``) and an e-mail acknowledging it is queued in the outbox when we know
the customer's address. Asking twice in one conversation returns the same open ticket.

:func:`record_csat` stores the customer's 1-5 rating of a resolved handoff.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import FrozenSet, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import (
    Customer,
    Interaction,
    Language,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    TicketKind,
    TicketPriority,
    TicketStatus,
    utcnow,
)
from crm_backend.services.access import parse_identity
from crm_backend.services.customer_lookup import customer_for_identity
from crm_backend.services.escalation import REASONS, priority_for
from crm_backend.services.tickets import TicketView, new_ticket, to_view
from crm_backend.settings import Settings
from crm_backend.unit_of_work import UnitOfWork

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
FOLLOW_UP_TEMPLATE = "handoff_follow_up"
FOLLOW_UP = {
    "en": (
        "We've received your request ({reference})",
        "Hello {name},\n\nthanks for contacting us. No colleague was free to join the chat "
        "just now, so we've opened case {reference} and will reply to you by e-mail as soon "
        "as possible.\n\nThe Gift Shop customer service",
    ),
    "zh": (
        "我们已收到您的请求（{reference}）",
        "{name}，您好：\n\n感谢您联系我们。刚才没有客服可以接入聊天，我们已为您创建工单 "
        "{reference}，会尽快通过邮件回复您。\n\n礼品店客服团队",
    ),
}


@dataclass(frozen=True)
class SupportHours:
    days: FrozenSet[int]  # 0 = Monday
    start: time
    end: Optional[time]  # None = until midnight
    zone: ZoneInfo

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        if local.weekday() not in self.days:
            return False
        clock = local.time().replace(tzinfo=None)
        return clock >= self.start and (self.end is None or clock < self.end)


def parse_support_hours(hours: str, days: str, zone: str) -> SupportHours:
    """``"09:00-18:00"``, ``"0-4"`` or ``"0,2,4"``, an IANA zone. Raises ValueError."""
    match = _HOURS.match(hours or "")
    if not match:
        raise ValueError(f"support hours must look like 09:00-18:00, not {hours!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"invalid support hours {hours!r}")
    day_set: set[int] = set()
    for part in (days or "").replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"support days must look like 0-4 or 0,2,4, not {days!r}")
        low, high = int(first), int(last or first)
        if not 0 <= low <= high <= 6:
            raise ValueError(f"invalid support days {days!r}")
        day_set.update(range(low, high + 1))
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {zone!r}") from error
    end = None if h2 == 24 else time(h2, m2)
    return SupportHours(frozenset(day_set), time(h1, m1), end, tz)


@dataclass(frozen=True)
class HandoffPolicy:
    hours: SupportHours
    max_queue: int = 20
    minutes_per_case: float = 6.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "HandoffPolicy":
        return cls(
            hours=parse_support_hours(
                settings.support_hours, settings.support_days, settings.support_timezone
            ),
            max_queue=max(0, settings.handoff_max_queue),
            minutes_per_case=max(0.5, settings.handoff_minutes_per_case),
        )


def expected_wait_minutes(waiting_ahead: int, minutes_per_case: float) -> int:
    """Queue length x average handling time, at least one minute."""
    return max(1, math.ceil(max(0, waiting_ahead) * minutes_per_case))


@dataclass(frozen=True)
class HandoffOutcome:
    ticket: TicketView
    available: bool  # an agent will join the chat
    unavailable_reason: Optional[str]  # "closed" | "busy" when not available
    position: int  # 1 = next in line (0 when not queued)
    wait_minutes: int
    follow_up_email: bool  # an acknowledgement e-mail was queued
    already_open: bool  # the conversation was already waiting / with an agent


def _customer(
    uow: UnitOfWork, customer_id: Optional[int], identity: Optional[str]
) -> Optional[Customer]:
    if customer_id is not None:
        found = uow.customers.get(customer_id)
        if found is not None and found.deleted_at is None and not found.anonymised:
            return found
    if identity and isinstance(identity, str):
        text = identity.strip()[:254]
        try:
            parsed = parse_identity(
                email=text if "@" in text else None, phone=None if "@" in text else text
            )
            return customer_for_identity(uow, parsed)
        except (ValidationError, NotFound):
            return None
    return None


def _touch_interaction(
    uow: UnitOfWork, conversation_id: str, customer: Optional[Customer], language: str
) -> Interaction:
    row = uow.interactions.get_by_conversation_id(conversation_id)
    if row is None:
        row = Interaction(conversation_id=conversation_id, channel="web", turns=0, intents=[])
        uow.interactions.add(row)
    row.handoff = True
    row.outcome = "handoff"
    row.language = Language.ZH if language == "zh" else Language.EN
    if customer is not None and row.customer_id is None:
        row.customer_id = customer.id
    return row


def _churn_band(uow: UnitOfWork, customer: Customer) -> Optional[str]:
    score = uow.scores.get(customer.id)
    band = getattr(score, "churn_band", None)
    return str(band) if band else None


def churn_band_for(
    uow: UnitOfWork, *, customer_id: Optional[int] = None, identity: Optional[str] = None
) -> Optional[str]:
    """The churn band of the customer the conversation names (None: unknown / not scored)."""
    with uow:
        customer = _customer(uow, customer_id, identity)
        return _churn_band(uow, customer) if customer is not None else None


def _queue_follow_up(uow: UnitOfWork, customer: Customer, reference: str, language: str) -> bool:
    if not customer.email:
        return False
    subject, body = FOLLOW_UP["zh" if language == "zh" else "en"]
    values = {"name": customer.name, "reference": reference}
    uow.outbox.add(
        OutboxMessage(
            channel=OutboxChannel.EMAIL,
            recipient=customer.email,
            subject=subject.format(**values)[:200],
            body=body.format(**values),
            template=FOLLOW_UP_TEMPLATE,
            payload={"language": language, "reference": reference},
            status=OutboxStatus.PENDING,
        )
    )
    return True


def request_handoff(
    uow: UnitOfWork,
    *,
    conversation_id: str,
    reason: str,
    policy: HandoffPolicy,
    language: str = "en",
    customer_id: Optional[int] = None,
    identity: Optional[str] = None,
    churn_band: Optional[str] = None,
    summary: Optional[str] = None,
    now: Optional[datetime] = None,
) -> HandoffOutcome:
    """Record the escalation and say whether (and when) an agent joins. See module doc.

    ``customer_id``: the customer verified in the conversation; ``identity``: an e-mail or
    phone the customer typed (unverified: it only links the ticket for the agent, who
    checks it; nothing the chat says depends on it).
    """
    conversation = (conversation_id or "").strip()[:128]
    if not conversation:
        raise ValidationError("A handoff needs a conversation id.", field="conversation_id")
    if reason not in REASONS:
        raise ValidationError(f"Unknown escalation reason {reason!r}.", field="reason")
    now = now or utcnow()
    with uow:
        existing = uow.tickets.latest_for_conversation(conversation)
        if (
            existing is not None
            and existing.kind == TicketKind.ESCALATION
            and existing.status in (TicketStatus.OPEN, TicketStatus.ASSIGNED)
        ):
            queue = [t.id for t in uow.tickets.list_queue() if t.status == TicketStatus.OPEN]
            position = queue.index(existing.id) + 1 if existing.id in queue else 0
            return HandoffOutcome(
                ticket=to_view(existing),
                available=True,
                unavailable_reason=None,
                position=position,
                wait_minutes=expected_wait_minutes(max(0, position - 1), policy.minutes_per_case),
                follow_up_email=False,
                already_open=True,
            )
        customer = _customer(uow, customer_id, identity)
        if churn_band is None and customer is not None:
            churn_band = _churn_band(uow, customer)
        waiting = uow.tickets.count_queue()
        if not policy.hours.is_open(now):
            unavailable: Optional[str] = "closed"
        elif waiting >= policy.max_queue:
            unavailable = "busy"
        else:
            unavailable = None
        subject = (summary or "").strip() or f"Chat handoff: {reason.replace('_', ' ')}"
        ticket = new_ticket(
            kind=TicketKind.ESCALATION if unavailable is None else TicketKind.SUPPORT,
            subject=subject,
            reason=reason if unavailable is None else f"{reason} (follow-up)",
            priority=TicketPriority(priority_for(reason, churn_band=churn_band)),
            customer_id=customer.id if customer is not None else None,
            conversation_id=conversation,
            tags=["handoff"] if unavailable is None else ["handoff", "follow_up"],
        )
        uow.tickets.add(ticket)
        uow.flush()
        _touch_interaction(uow, conversation, customer, language)
        view = to_view(ticket)
        emailed = False
        # the follow-up e-mail (and the chat saying so) only for a customer verified in the
        # conversation: an address merely typed in must not reveal that it has an account
        verified = customer if customer is not None and customer.id == customer_id else None
        if unavailable is not None and verified is not None:
            emailed = _queue_follow_up(uow, verified, view.reference, language)
        uow.commit()
    return HandoffOutcome(
        ticket=view,
        available=unavailable is None,
        unavailable_reason=unavailable,
        position=waiting + 1 if unavailable is None else 0,
        wait_minutes=expected_wait_minutes(waiting, policy.minutes_per_case),
        follow_up_email=emailed,
        already_open=False,
    )


def record_csat(
    uow: UnitOfWork, conversation_id: str, score: object, *, now: Optional[datetime] = None
) -> int:
    """Store the customer's rating (1-5) of a handed-off conversation; returns the score.

    Only a conversation whose latest escalation was resolved by an agent can be rated
    (so a guessed id cannot rate other chats); rating again replaces the earlier score.
    """
    if isinstance(score, bool):
        raise ValidationError("The rating must be a whole number from 1 to 5.", field="score")
    try:
        value = int(str(score).strip())
    except ValueError as error:
        raise ValidationError(
            "The rating must be a whole number from 1 to 5.", field="score"
        ) from error
    if not 1 <= value <= 5:
        raise ValidationError("The rating must be a whole number from 1 to 5.", field="score")
    conversation = (conversation_id or "").strip()[:128]
    with uow:
        ticket = uow.tickets.latest_for_conversation(conversation) if conversation else None
        if ticket is None or ticket.kind != TicketKind.ESCALATION:
            raise NotFound("No handoff to rate in this conversation.")
        if ticket.status != TicketStatus.RESOLVED:
            raise InvalidState("This conversation has not been resolved yet.")
        row = uow.interactions.get_by_conversation_id(conversation)
        if row is None:
            row = Interaction(
                conversation_id=conversation, channel="web", turns=0, intents=[], handoff=True
            )
            uow.interactions.add(row)
        row.csat = value
        if ticket.customer_id is not None and row.customer_id is None:
            row.customer_id = ticket.customer_id
        row.ended_at = (now or utcnow()).astimezone(timezone.utc)
        uow.commit()
    return value
