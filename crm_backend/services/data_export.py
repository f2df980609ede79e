"""GDPR/PIPL access request: one JSON document with everything held on a customer.

:func:`export_customer` gathers the customer's rows from every CRM table that refers to
them (see :mod:`crm_backend.services.privacy_records`) and, when a tracker store is
given, the full transcripts of their conversations from Rasa's ``events`` table. The
result is JSON-serialisable (ISO dates, Decimals as strings). It records an audit entry
(counts only, no personal data) and completes the ``data_requests`` row of kind export
when one is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from crm_backend.analytics.tracker_events import TrackerEvents
from crm_backend.errors import ValidationError
from crm_backend.models import AuditLog, DataRequestKind, DataRequestStatus, utcnow
from crm_backend.repositories.privacy import OPEN_STATUSES, PrivacyRepository
from crm_backend.services.privacy_records import CustomerRecords, collect, get_customer, row
from crm_backend.unit_of_work import UnitOfWork

FORMAT = "shop-crm-export/1"
EXPORTED = "customer.exported"
_CONSENT_KEYS = ("consent", "consent_at", "source")


def _audit(entry: AuditLog) -> Dict[str, Any]:
    data = row(entry)
    if isinstance(data.get("details"), dict):  # a keyed hash of a one-time code, not data
        data["details"] = {k: v for k, v in data["details"].items() if k != "digest"}
    return data


def _consents(found: CustomerRecords) -> Dict[str, Any]:
    history: List[Dict[str, Any]] = []
    for entry in found.audit:
        details = entry.details if isinstance(entry.details, dict) else {}
        if entry.entity == "customer" and "consent" in details:
            history.append(
                {
                    "action": entry.action,
                    "at": row(entry)["created_at"],
                    **{key: details.get(key) for key in _CONSENT_KEYS},
                }
            )
    return {
        "marketing_consent": bool(found.customer.marketing_consent),
        "newsletter": bool(found.customer.newsletter),
        "history": history,
    }


def _orders(found: CustomerRecords) -> List[Dict[str, Any]]:
    orders = []
    for order in found.orders:
        items = [
            {**row(item), "sku": item.product.sku, "product": item.product.name_en}
            for item in order.items
        ]
        orders.append(
            {
                **row(order),
                "items": items,
                "payments": [row(payment) for payment in order.payments],
                "invoices": [row(invoice) for invoice in order.invoices],
            }
        )
    return orders


def _transcripts(tracker: Optional[TrackerEvents], conversation_ids: List[str]) -> Dict[str, Any]:
    if tracker is None:
        return {"status": "not_read", "conversations": {}}
    if not conversation_ids or not tracker.ready():
        return {"status": "included", "conversations": {cid: [] for cid in conversation_ids}}
    return {"status": "included", "conversations": tracker.conversations(conversation_ids)}


def build_document(
    found: CustomerRecords, transcripts: Dict[str, Any], now: datetime
) -> Dict[str, Any]:
    """The export document of ``found`` (pure: no database access beyond loaded rows)."""
    customer = found.customer
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "customer": row(customer),
        "consents": _consents(found),
        "addresses": [row(address) for address in customer.addresses],
        "orders": _orders(found),
        "returns": [
            {**row(ret), "items": [row(item) for item in ret.items]} for ret in found.returns
        ],
        "refunds": [row(refund) for refund in found.refunds],
        "tickets": [row(ticket) for ticket in found.tickets],
        "interactions": [row(interaction) for interaction in found.interactions],
        "conversation_messages": [row(m, exclude=("folded",)) for m in found.messages],
        "nlu_annotations": [row(annotation) for annotation in found.annotations],
        "retention_offers": [row(offer) for offer in found.offers],
        "reviews": [row(review) for review in found.reviews],
        "notifications": [row(message) for message in found.notifications],
        "data_requests": [row(request) for request in found.data_requests],
        "scores": row(found.score) if found.score is not None else None,
        "audit_log": [_audit(entry) for entry in found.audit + found.keyed_audit],
        "chat_transcripts": transcripts,
    }


def counts(document: Dict[str, Any]) -> Dict[str, int]:
    """Records per section of an export document (for the audit log and messages)."""
    sizes: Dict[str, int] = {}
    for key, value in document.items():
        if isinstance(value, list):
            sizes[key] = len(value)
    sizes["chat_conversations"] = len(document["chat_transcripts"]["conversations"])
    return sizes


def export_customer(
    uow: UnitOfWork,
    customer_id: int,
    *,
    tracker: Optional[TrackerEvents] = None,
    request_id: Optional[int] = None,
    actor: str = "system",
    now: Optional[datetime] = None,
) -> Dict[str, Any]:
    """Everything held on the customer as a JSON-ready dict (transcripts if ``tracker``).

    Raises:
        NotFound: no customer with this id (erased customers can still be exported).
        ValidationError: ``request_id`` is not an export request of this customer.
    """
    now = now or utcnow()
    with uow:
        customer = get_customer(uow, customer_id)
        request = None
        if request_id is not None:
            request = PrivacyRepository(uow.session).get_request(request_id, for_update=True)
            if (
                request is None
                or request.customer_id != customer.id
                or request.kind != DataRequestKind.EXPORT
            ):
                raise ValidationError(
                    "That is not an export request of this customer.", field="request_id"
                )
        found = collect(uow, customer)
        document = build_document(found, _transcripts(tracker, found.conversation_ids), now)
        if request is not None and request.status in OPEN_STATUSES:
            request.status = DataRequestStatus.COMPLETED
            request.completed_at = now
            document["data_requests"] = [row(r) for r in found.data_requests]
        entry = uow.audit.record(
            actor,
            EXPORTED,
            "customer",
            str(customer.id),
            {"request_id": request_id, "records": counts(document)},
        )
        entry.created_at = now
        uow.commit()
    return document
