"""Record a conversation's analytics in the ``interactions`` table, idempotently.

The analytics writer (``crm_backend.analytics``) recomputes a whole conversation's
:class:`~crm_backend.analytics.summary.ConversationSummary` from Rasa's tracker store each
time the conversation changes, so redelivered or duplicated events cannot double count.
This service upserts it under a **monotonic guard**: a summary with fewer turns than the
row, or with as many turns but an older last event, is stale (an older recomputation that
lost a race) and is not written. Columns other services own are merged, never
overwritten: ``csat`` (customer rating), ``customer_id`` (set once), and ``handoff``
(once a conversation was handed to a human it stays so; the handoff service sets it too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.exc import IntegrityError

from crm_backend.analytics.summary import OUTCOME_HANDOFF, ConversationSummary
from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import Interaction, Language
from crm_backend.services.access import parse_identity
from crm_backend.services.customer_lookup import customer_for_identity
from crm_backend.unit_of_work import UnitOfWork

WRITTEN = "written"
STALE = "stale"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RecordResult:
    conversation_id: str
    status: str  # written | stale | unchanged
    turns: int


def _customer_id(uow: UnitOfWork, identity: Optional[str]) -> Optional[int]:
    if not identity:
        return None
    email = identity if "@" in identity else None
    try:
        parsed = parse_identity(email=email, phone=None if email else identity)
        return int(customer_for_identity(uow, parsed).id)
    except (ValidationError, NotFound):
        return None


def _is_stale(row: Interaction, summary: ConversationSummary) -> bool:
    if summary.turns != row.turns:
        return summary.turns < row.turns
    ended: Optional[datetime] = row.ended_at
    return ended is not None and summary.ended_at < ended


def _same(row: Interaction, summary: ConversationSummary, outcome: str) -> bool:
    return (
        row.turns == summary.turns
        and list(row.intents or []) == list(summary.intents)
        and row.sentiment_avg == summary.sentiment_avg
        and row.outcome == outcome
        and row.ended_at == summary.ended_at
        and str(row.language) == summary.language
        and bool(row.handoff) == (bool(row.handoff) or summary.handoff)
    )


def _apply(uow: UnitOfWork, row: Interaction, summary: ConversationSummary) -> str:
    handoff = bool(row.handoff) or summary.handoff
    outcome = OUTCOME_HANDOFF if handoff else summary.outcome
    if _same(row, summary, outcome):
        return UNCHANGED
    row.channel = summary.channel
    row.language = Language(summary.language)
    row.turns = summary.turns
    row.intents = list(summary.intents)
    row.sentiment_avg = summary.sentiment_avg
    row.handoff = handoff
    row.outcome = outcome
    if row.started_at is None or summary.started_at < row.started_at:
        row.started_at = summary.started_at
    row.ended_at = summary.ended_at if row.ended_at is None else max(row.ended_at, summary.ended_at)
    if row.customer_id is None:
        row.customer_id = _customer_id(uow, summary.customer_identity)
    return WRITTEN


def record_conversation(uow: UnitOfWork, summary: ConversationSummary) -> RecordResult:
    """Insert or update the conversation's row unless ``summary`` is stale."""
    for attempt in range(2):
        with uow:
            row = uow.interactions.get_by_conversation_id(summary.conversation_id, for_update=True)
            if row is None:
                row = Interaction(conversation_id=summary.conversation_id, handoff=False)
                row.started_at = summary.started_at
                uow.interactions.add(row)
            elif _is_stale(row, summary):
                return RecordResult(summary.conversation_id, STALE, row.turns)
            status = _apply(uow, row, summary)
            if status == UNCHANGED:
                return RecordResult(summary.conversation_id, UNCHANGED, row.turns)
            try:
                uow.commit()
            except IntegrityError:  # another writer inserted the row first: update it
                uow.rollback()
                if attempt:
                    raise
                continue
            return RecordResult(summary.conversation_id, WRITTEN, summary.turns)
    raise AssertionError("unreachable")  # pragma: no cover
