"""Finding past conversations for the console: by customer name, e-mail, phone, order
number or conversation id (:func:`search_conversations`), and by the words of the chat
itself (:func:`search_text`, paged, over every stored conversation).

Transcripts live in Rasa's tracker store (possibly another database); the analytics writer
copies each conversation's messages into ``conversation_messages`` with
:func:`index_messages` as it records the conversation, and :func:`search_text` matches
their case-folded text with ``LIKE`` in the CRM database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy.exc import IntegrityError

from crm_backend.errors import ValidationError
from crm_backend.models import ConversationMessage, Customer
from crm_backend.repositories.conversation_messages import ConversationMessageRepository
from crm_backend.services.identifiers import (
    is_valid_email,
    is_valid_order_number,
    is_valid_phone,
    normalise_email,
    normalise_order_number,
    normalise_phone,
    phones_match,
)
from crm_backend.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

MAX_QUERY = 200
MAX_HITS = 50
TEXT_PAGE = 20
MAX_TEXT_PAGE = 50
MAX_OFFSET = 10_000
MAX_MESSAGE = 4000
SNIPPET = 160


@dataclass(frozen=True)
class ConversationHit:
    conversation_id: str
    customer_id: Optional[int]
    customer_name: Optional[str]
    customer_email: Optional[str]
    started_at: Optional[datetime]
    ticket_reference: Optional[str]
    ticket_status: Optional[str]
    matched: str  # "customer" | "order" | "conversation"


def clean_query(query: object) -> str:
    text = "".join(ch for ch in str(query or "") if ch >= " ").strip()[:MAX_QUERY]
    if len(text) < 2:
        raise ValidationError("Type at least two characters to search.", field="q")
    return text


def _customers(uow: UnitOfWork, text: str) -> List[Customer]:
    if is_valid_email(text):
        found = uow.customers.get_by_email(normalise_email(text))
        return [found] if found is not None else []
    if is_valid_phone(text) and sum(ch.isdigit() for ch in text) >= 7:
        phone = normalise_phone(text)
        return [
            c for c in uow.customers.list_by_phone_digits(phone) if phones_match(phone, c.phone)
        ]
    return uow.customers.search_by_name_or_email(text.lower(), limit=20)


def search_conversations(uow: UnitOfWork, query: object) -> List[ConversationHit]:
    """Conversations matching ``query``, newest first (at most :data:`MAX_HITS`)."""
    text = clean_query(query)
    with uow:
        hits: Dict[str, ConversationHit] = {}
        names: Dict[int, Customer] = {}

        def add(
            conversation_id: Optional[str],
            customer_id: Optional[int],
            matched: str,
            started: Optional[datetime] = None,
        ) -> None:
            if not conversation_id or conversation_id in hits or len(hits) >= MAX_HITS:
                return
            customer = names.get(customer_id) if customer_id else None
            if customer is None and customer_id:
                customer = uow.customers.get(customer_id)
            ticket = uow.tickets.latest_for_conversation(conversation_id)
            if started is None:
                row = uow.interactions.get_by_conversation_id(conversation_id)
                started = row.started_at if row else (ticket.created_at if ticket else None)
            hits[conversation_id] = ConversationHit(
                conversation_id=conversation_id,
                customer_id=customer.id if customer else None,
                customer_name=customer.name if customer else None,
                customer_email=customer.email if customer else None,
                started_at=started,
                ticket_reference=f"T-{ticket.id:06d}" if ticket else None,
                ticket_status=str(ticket.status) if ticket else None,
                matched=matched,
            )

        # a conversation id typed or pasted as is
        exact = uow.interactions.get_by_conversation_id(text)
        if exact is not None:
            add(exact.conversation_id, exact.customer_id, "conversation", exact.started_at)
        ticket = uow.tickets.latest_for_conversation(text)
        if ticket is not None:
            add(ticket.conversation_id, ticket.customer_id, "conversation")

        customers: List[Customer] = []
        matched = "customer"
        if is_valid_order_number(text):
            order = uow.orders.get_by_number(normalise_order_number(text))
            if order is not None:
                matched = "order"
                customers = [order.customer] if order.customer is not None else []
                for t in uow.tickets.list_for_order(order.id):
                    add(t.conversation_id, t.customer_id, "order")
        else:
            customers = _customers(uow, text)
        for customer in customers:
            names[customer.id] = customer
        ids = list(names)
        for row in uow.interactions.list_for_customers(ids, limit=MAX_HITS):
            add(row.conversation_id, row.customer_id, matched, row.started_at)
        for customer_id in ids:
            for t in uow.tickets.list_for_customer(customer_id):
                add(t.conversation_id, t.customer_id, matched)
        results = list(hits.values())
    results.sort(key=lambda h: h.started_at.timestamp() if h.started_at else 0.0, reverse=True)
    return results


@dataclass(frozen=True)
class TextHit:
    conversation_id: str
    snippet: str  # around the newest matching message's match
    sender: str  # user | bot | agent
    sent_at: datetime
    started_at: Optional[datetime]  # None: not recorded by analytics
    customer_name: Optional[str]


@dataclass(frozen=True)
class TextSearchPage:
    hits: Tuple[TextHit, ...]
    offset: int
    next_offset: Optional[int]  # None: this is the last page


def _message(seq: int, event: Mapping[str, Any]) -> Optional[Tuple[int, str, str, datetime]]:
    kind = event.get("event")
    text = event.get("text")
    if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
        return None
    sender = "user"
    if kind == "bot":
        metadata = event.get("metadata")
        agent = metadata.get("agent_name") if isinstance(metadata, Mapping) else None
        sender = "agent" if isinstance(agent, str) and agent else "bot"
    stamp = event.get("timestamp")
    seconds = float(stamp) if isinstance(stamp, (int, float)) and stamp > 0 else 0.0
    return seq, sender, text[:MAX_MESSAGE], datetime.fromtimestamp(seconds, timezone.utc)


def index_messages(
    uow: UnitOfWork, conversation_id: str, events: Sequence[Mapping[str, Any]]
) -> int:
    """Store the messages of a conversation's tracker events (all of them, in tracker
    order) that are not stored yet; returns how many were added. Idempotent."""
    if not conversation_id or len(conversation_id) > 128:
        return 0
    found = [
        m
        for seq, event in enumerate(events)
        if isinstance(event, Mapping) and (m := _message(seq, event)) is not None
    ]
    for attempt in range(2):
        with uow:
            repo = ConversationMessageRepository(uow.session)
            known = repo.last_seq(conversation_id)
            rows = [
                ConversationMessage(
                    conversation_id=conversation_id,
                    seq=seq,
                    sender=sender,
                    text=text,
                    folded=text.casefold(),
                    sent_at=sent_at,
                )
                for seq, sender, text, sent_at in found
                if seq > known
            ]
            if not rows:
                return 0
            repo.add_all(rows)
            try:
                uow.commit()
            except IntegrityError:  # another writer stored some of them first: retry
                uow.rollback()
                if attempt:
                    logger.warning("search index: conversation %s kept changing", conversation_id)
                    return 0
                continue
            return len(rows)
    return 0  # pragma: no cover


def _snippet(text: str, needle: str) -> str:
    at = text.casefold().find(needle)
    if at < 0 or len(text) <= SNIPPET:
        return text[:SNIPPET]
    start = max(0, min(at - SNIPPET // 3, len(text) - SNIPPET))
    cut = text[start : start + SNIPPET]
    return ("…" if start else "") + cut + ("…" if start + SNIPPET < len(text) else "")


def search_text(
    uow: UnitOfWork, query: object, *, offset: int = 0, limit: int = TEXT_PAGE
) -> TextSearchPage:
    """Conversations with a message containing ``query`` (case-insensitive), the most
    recently matching first, ``limit`` per page from ``offset``.

    Raises:
        ValidationError: fewer than two characters, or a bad ``offset`` / ``limit``.
    """
    text = clean_query(query)
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise ValidationError("Invalid page.", field="offset")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_TEXT_PAGE:
        raise ValidationError("Invalid page size.", field="limit")
    needle = text.casefold()
    with uow:
        repo = ConversationMessageRepository(uow.session)
        found = repo.matching_conversations(needle, limit=limit + 1, offset=offset)
        page = found[:limit]
        messages = {row.id: row for row in repo.by_ids([mid for _, mid in page])}
        owners = repo.conversation_owners([cid for cid, _ in page])
        hits = []
        for conversation_id, message_id in page:
            message = messages[message_id]
            started, name = owners.get(conversation_id, (None, None))
            hits.append(
                TextHit(
                    conversation_id=conversation_id,
                    snippet=_snippet(str(message.text), needle),
                    sender=str(message.sender),
                    sent_at=message.sent_at,
                    started_at=started,
                    customer_name=name,
                )
            )
    more = offset + limit if len(found) > limit else None
    return TextSearchPage(tuple(hits), offset, more)
