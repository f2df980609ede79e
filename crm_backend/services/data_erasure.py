"""GDPR/PIPL erasure: completing an account deletion request.

:func:`erase_customer` removes or blanks every personal field the CRM holds on a
customer and deletes their conversations from Rasa's tracker store. What stays, as
account_deletion promises: the ``customers`` row itself (``anonymised``, no name,
e-mail, phone or reference) so orders keep their foreign key; orders, items, payments,
invoices and refunds with their numbers, dates and amounts (tax law) but no shipping
name, address or tracking number; ticket, interaction, offer and review rows for the
statistics, without any text the customer wrote and with their conversation ids
replaced by random ``erased-...`` pseudonyms.

Deleted: addresses, chat text (``conversation_messages``, NLU annotations, the tracker
store's events of every conversation of the customer), the customer's scores, the
verification / password-reset entries keyed by their e-mail fingerprint. Notifications
sent to them keep only their channel, status and dates.

Like account_deletion, orders in progress (pending, paid, shipped) are still delivered:
erasure is refused until they are delivered or cancelled. Running it again is harmless
(idempotent): it changes nothing and writes no second audit entry.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Sequence

from crm_backend.analytics.tracker_events import TrackerEvents
from crm_backend.errors import InvalidState, ValidationError
from crm_backend.models import (
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
    OutboxStatus,
    utcnow,
)
from crm_backend.repositories.privacy import OPEN_STATUSES, PrivacyRepository
from crm_backend.services.account_deletion import ORDERS_IN_PROGRESS
from crm_backend.services.privacy_records import (
    ERASED_CONVERSATION_PREFIX,
    CustomerRecords,
    collect,
    get_customer,
    is_erased_conversation,
)
from crm_backend.unit_of_work import UnitOfWork

ERASED = "customer.erased"
ERASED_NAME = "Erased customer"
ERASED_TEXT = "[erased]"
_ORDER_FIELDS = ("ship_name", "ship_line1", "ship_line2", "ship_city", "ship_postcode")


@dataclass(frozen=True)
class ErasureResult:
    customer_id: int
    request_ids: List[int]  # the deletion requests this run completed
    already_erased: bool  # the customer was anonymised before this run
    changed: Dict[str, int] = field(default_factory=dict)  # rows changed or deleted, by kind
    tracker_events_deleted: int = 0

    @property
    def total(self) -> int:
        return sum(self.changed.values()) + self.tracker_events_deleted


class OrdersInProgress(InvalidState):
    """The customer still has orders to deliver; erase once they are done."""

    def __init__(self, numbers: Sequence[str]) -> None:
        listed = ", ".join(numbers[:10]) + (" ..." if len(numbers) > 10 else "")
        super().__init__(
            f"{len(numbers)} order(s) still in progress ({listed}); they are delivered "
            "first: erase the account once they are delivered or cancelled."
        )
        self.numbers = list(numbers)


def _check_request(
    uow: UnitOfWork, customer_id: int, request_id: Optional[int]
) -> Optional[DataRequest]:
    if request_id is None:
        return None
    request = PrivacyRepository(uow.session).get_request(request_id, for_update=True)
    if request is None or request.customer_id != customer_id:
        raise ValidationError("No such deletion request for this customer.", field="request_id")
    if request.kind != DataRequestKind.DELETE:
        raise ValidationError("That is not a deletion request.", field="request_id")
    if request.status == DataRequestStatus.REJECTED:
        raise InvalidState("That deletion request was rejected.")
    return request


def _check_orders(uow: UnitOfWork, customer_id: int) -> None:
    busy = uow.orders.list_for_customer(customer_id, statuses=ORDERS_IN_PROGRESS, limit=1000)
    if busy:
        raise OrdersInProgress(sorted(str(order.order_number) for order in busy))


def _set(obj: object, name: str, value: object) -> int:
    if getattr(obj, name) == value:
        return 0
    setattr(obj, name, value)
    return 1


def _pseudonyms(ids: Sequence[str]) -> Dict[str, str]:
    return {cid: ERASED_CONVERSATION_PREFIX + secrets.token_hex(12) for cid in ids}


def _scrub(uow: UnitOfWork, found: CustomerRecords, now: datetime) -> Dict[str, int]:
    """Blank, pseudonymise or delete every personal field of ``found``; changes by kind."""
    repo = PrivacyRepository(uow.session)
    changed: Dict[str, int] = {}

    def count(kind: str, amount: int) -> None:
        if amount:
            changed[kind] = changed.get(kind, 0) + amount

    customer = found.customer
    fields = {
        "name": ERASED_NAME,
        "email": None,
        "phone": None,
        "external_ref": None,
        "marketing_consent": False,
        "newsletter": False,
        "anonymised": True,
    }
    count("customers", min(1, sum(_set(customer, k, v) for k, v in fields.items())))
    if customer.deleted_at is None:
        customer.deleted_at = now
    count("addresses", len(customer.addresses))
    customer.addresses.clear()  # delete-orphan
    for order in found.orders:
        blanked = sum(_set(order, name, None) for name in (*_ORDER_FIELDS, "tracking_number"))
        count("orders", min(1, blanked))
    for ret in found.returns:
        count("returns", _set(ret, "reason", None))
    pseudonym = _pseudonyms(found.conversation_ids)
    for ticket in found.tickets:
        new_id = pseudonym.get(ticket.conversation_id or "", ticket.conversation_id)
        edits = _set(ticket, "subject", ERASED_TEXT) + _set(ticket, "notes", None)
        count("tickets", min(1, edits + _set(ticket, "conversation_id", new_id)))
    for interaction in found.interactions:
        if not is_erased_conversation(interaction.conversation_id):
            interaction.conversation_id = pseudonym.get(
                interaction.conversation_id, ERASED_CONVERSATION_PREFIX + secrets.token_hex(12)
            )
            count("interactions", 1)
    for review in found.reviews:
        count("reviews", _set(review, "text", None))
    for message in found.notifications:
        edits = _set(message, "recipient", ERASED_TEXT) + _set(message, "subject", None)
        edits += _set(message, "body", "") + _set(message, "payload", {})
        if message.status == OutboxStatus.PENDING:  # never send to an erased person
            message.status = OutboxStatus.FAILED
            message.last_error = "recipient erased"
            edits += 1
        count("notifications", min(1, edits))
    for entry in found.audit:  # keep the trail; point it at the pseudonyms
        details = entry.details if isinstance(entry.details, dict) else {}
        old = details.get("conversation_id")
        if isinstance(old, str) and old in pseudonym:
            entry.details = {**details, "conversation_id": pseudonym[old]}
            count("audit_log", 1)
    for entry in found.keyed_audit:  # verification / password reset state, keyed by e-mail
        uow.session.delete(entry)
        count("audit_log", 1)
    if found.score is not None:
        uow.session.delete(found.score)
        count("customer_scores", 1)
    count("conversation_messages", repo.delete_conversation_messages(found.conversation_ids))
    count("nlu_annotations", repo.delete_annotations(found.conversation_ids))
    return changed


def _complete(found: CustomerRecords, request: Optional[DataRequest], now: datetime) -> List[int]:
    """Complete ``request`` and every other open deletion request of the customer."""
    done = []
    for item in found.data_requests:
        wanted = item.kind == DataRequestKind.DELETE and item.status in OPEN_STATUSES
        if wanted or (request is not None and item.id == request.id):
            if item.status != DataRequestStatus.COMPLETED:
                item.status = DataRequestStatus.COMPLETED
                item.completed_at = now
                done.append(int(item.id))
    return done


def _conversations(uow: UnitOfWork, customer_id: int, request_id: Optional[int]) -> List[str]:
    """Checks first (nothing is touched on refusal), then the conversation ids."""
    with uow:
        customer = get_customer(uow, customer_id)
        _check_request(uow, customer.id, request_id)
        _check_orders(uow, customer.id)
        return collect(uow, customer).conversation_ids


def erase_customer(
    uow: UnitOfWork,
    customer_id: int,
    tracker: TrackerEvents,
    request_id: Optional[int] = None,
    *,
    actor: str = "system",
    now: Optional[datetime] = None,
) -> ErasureResult:
    """Erase the customer's personal data (CRM and tracker store); see the module doc.

    The tracker store is cleared before the CRM commit (so a failure never leaves its
    events unreachable) and once more after it, for events written meanwhile.

    Raises:
        NotFound: no customer with this id.
        ValidationError: ``request_id`` is not a deletion request of this customer.
        OrdersInProgress: orders still to be delivered (nothing is changed).
    """
    now = now or utcnow()
    first = _conversations(uow, customer_id, request_id)
    deleted = tracker.delete_conversations(first)
    with uow:
        customer = get_customer(uow, customer_id, for_update=True)
        request = _check_request(uow, customer.id, request_id)
        _check_orders(uow, customer.id)
        already = bool(customer.anonymised)
        found = collect(uow, customer)
        late = sorted(set(found.conversation_ids) - set(first))
        changed = _scrub(uow, found, now)
        completed = _complete(found, request, now)
        if not already or changed or completed or deleted:
            entry = uow.audit.record(
                actor,
                ERASED,
                "customer",
                str(customer.id),
                {
                    "request_ids": completed,
                    "records": changed,
                    "tracker_events": deleted,
                    "repeat": already,
                },
            )
            entry.created_at = now
        uow.commit()
    deleted += tracker.delete_conversations([*first, *late])
    return ErasureResult(
        customer_id=customer_id,
        request_ids=completed,
        already_erased=already,
        changed=changed,
        tracker_events_deleted=deleted,
    )
