"""Finding past conversations for the console: by customer name, e-mail, phone, order
number or conversation id. (Searching the message text needs the transcripts, which live
in Rasa's tracker store; the console does that part over Rasa's API.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from crm_backend.errors import ValidationError
from crm_backend.models import Customer
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

MAX_QUERY = 200
MAX_HITS = 50


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


def recent_conversation_ids(uow: UnitOfWork, *, limit: int = 100) -> List[str]:
    """Conversations the CRM knows of (handoffs and recorded chats), newest first."""
    with uow:
        seen: List[str] = []
        for t in uow.tickets.list_conversations(limit=limit):
            if t.conversation_id and t.conversation_id not in seen:
                seen.append(t.conversation_id)
        for row in uow.interactions.list_recent(limit=limit):
            if row.conversation_id not in seen:
                seen.append(row.conversation_id)
        return seen[:limit]
