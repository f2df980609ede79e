"""Finding everything the CRM holds on one customer (shared by GDPR export and erasure).

A customer's data is reached from the ``customers`` row: rows with their ``customer_id``
(addresses, orders, tickets, interactions, offers, reviews, data requests, scores), rows
of their orders (items, payments, invoices, returns, refunds), notifications addressed to
their e-mail address or phone, audit entries about any of those records (and the
verification / password-reset entries keyed by their e-mail fingerprint), and their
conversations: the ids on their interactions, tickets and audit entries, which key the
chat text (``conversation_messages``, NLU annotations and Rasa's tracker store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Dict, List, Optional

from sqlalchemy import inspect

from crm_backend.errors import NotFound
from crm_backend.models import (
    AuditLog,
    ConversationMessage,
    Customer,
    CustomerScore,
    DataRequest,
    Interaction,
    NluAnnotation,
    Order,
    OutboxMessage,
    Refund,
    RetentionOffer,
    Return,
    Review,
    Ticket,
)
from crm_backend.repositories.privacy import PrivacyRepository
from crm_backend.services import signing
from crm_backend.unit_of_work import UnitOfWork

# what erased conversation ids are replaced with on the rows kept for analytics
ERASED_CONVERSATION_PREFIX = "erased-"


@dataclass
class CustomerRecords:
    customer: Customer
    orders: List[Order] = field(default_factory=list)
    returns: List[Return] = field(default_factory=list)
    refunds: List[Refund] = field(default_factory=list)
    tickets: List[Ticket] = field(default_factory=list)
    interactions: List[Interaction] = field(default_factory=list)
    offers: List[RetentionOffer] = field(default_factory=list)
    reviews: List[Review] = field(default_factory=list)
    notifications: List[OutboxMessage] = field(default_factory=list)
    data_requests: List[DataRequest] = field(default_factory=list)
    score: Optional[CustomerScore] = None
    audit: List[AuditLog] = field(default_factory=list)
    keyed_audit: List[AuditLog] = field(default_factory=list)  # by e-mail fingerprint
    conversation_ids: List[str] = field(default_factory=list)
    messages: List[ConversationMessage] = field(default_factory=list)
    annotations: List[NluAnnotation] = field(default_factory=list)


def get_customer(uow: UnitOfWork, customer_id: int, *, for_update: bool = False) -> Customer:
    """Any customer (active or erased) by id, in an entered unit of work; else NotFound."""
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise NotFound("No such customer.")
    customer = uow.customers.get_for_update(customer_id) if for_update else None
    if customer is None:
        customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def is_erased_conversation(conversation_id: Optional[str]) -> bool:
    return bool(conversation_id) and str(conversation_id).startswith(ERASED_CONVERSATION_PREFIX)


def collect(uow: UnitOfWork, customer: Customer) -> CustomerRecords:
    """Every row held on ``customer`` (inside an entered unit of work)."""
    repo = PrivacyRepository(uow.session)
    found = CustomerRecords(customer)
    found.orders = repo.orders(customer.id)
    order_ids = [order.id for order in found.orders]
    found.returns = repo.returns(order_ids)
    found.refunds = repo.refunds(order_ids)
    found.tickets = repo.tickets(customer.id, order_ids)
    found.interactions = repo.interactions(customer.id)
    found.offers = repo.offers(customer.id)
    found.reviews = repo.reviews(customer.id)
    found.notifications = repo.outbox([customer.email or "", customer.phone or ""])
    found.data_requests = uow.data_requests.list_for_customer(customer.id)
    found.score = uow.scores.get(customer.id)
    found.audit = repo.audit(
        [
            ("customer", [customer.id]),
            ("order", [order.order_number for order in found.orders]),
            ("return", [ret.id for ret in found.returns]),
            ("ticket", [ticket.id for ticket in found.tickets]),
            ("retention_offer", [offer.id for offer in found.offers]),
            ("data_request", [request.id for request in found.data_requests]),
        ]
    )
    if customer.email:
        found.keyed_audit = repo.audit_keyed_by([signing.email_fingerprint(customer.email)])
    found.conversation_ids = _conversation_ids(found)
    found.messages = repo.conversation_messages(found.conversation_ids)
    found.annotations = repo.annotations(found.conversation_ids)
    return found


def _conversation_ids(found: CustomerRecords) -> List[str]:
    ids = {row.conversation_id for row in found.interactions}
    ids |= {ticket.conversation_id for ticket in found.tickets}
    for entry in found.audit + found.keyed_audit:
        details = entry.details if isinstance(entry.details, dict) else {}
        ids.add(details.get("conversation_id"))
    return sorted(
        str(cid) for cid in ids if isinstance(cid, str) and cid and not is_erased_conversation(cid)
    )


def jsonable(value: Any) -> Any:
    """Dates as ISO 8601, Decimals as strings, enums as their values; containers recursed."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(item) for item in value]
    return value


def row(obj: Any, *, exclude: tuple[str, ...] = ()) -> Dict[str, Any]:
    """The mapped columns of an ORM row as a JSON-ready dict."""
    return {
        attr.key: jsonable(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in exclude
    }
