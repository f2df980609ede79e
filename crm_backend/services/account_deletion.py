"""Deleting an account: a GDPR/PIPL erasure request the privacy team completes.

The chat only *records* the request (``data_requests`` kind ``delete``, status
``pending``) and e-mails a confirmation; the data is erased within one month, the legal
deadline. Orders already paid are still delivered; invoices are kept (without other
personal data) as tax law requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from crm_backend.models import (
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
    OrderStatus,
    utcnow,
)
from crm_backend.services import throttle
from crm_backend.services.accounts import active_customer
from crm_backend.services.emails import queue_email
from crm_backend.unit_of_work import UnitOfWork

RESPONSE_TIME = timedelta(days=30)
OPEN_REQUEST = (DataRequestStatus.PENDING, DataRequestStatus.PROCESSING)
ORDERS_IN_PROGRESS = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class DeletionRequestView:
    id: int
    reference: str
    status: str
    created_at: datetime
    due_by: datetime
    orders_in_progress: int
    already_requested: bool
    email: str  # where the confirmation goes  # True: an open request existed, no new one was made


def deletion_reference(request_id: int) -> str:
    """The number a customer is given, e.g. ``DR-000042``."""
    return f"DR-{request_id:06d}"


def _view(
    request: DataRequest, orders_in_progress: int, existing: bool, email: str
) -> DeletionRequestView:
    return DeletionRequestView(
        id=request.id,
        reference=deletion_reference(request.id),
        status=str(request.status),
        created_at=request.created_at,
        due_by=request.created_at + RESPONSE_TIME,
        orders_in_progress=orders_in_progress,
        already_requested=existing,
        email=email,
    )


def request_account_deletion(
    uow: UnitOfWork,
    customer_id: int,
    *,
    language: Optional[str] = None,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> DeletionRequestView:
    """Record a pending deletion request for a verified customer (idempotent: an open
    request is returned instead of a second one) and e-mail a confirmation.

    Raises:
        NotFound: no active account with this id.
    """
    now = now or utcnow()
    with uow:
        customer = active_customer(uow, customer_id, for_update=True)
        in_progress = len(uow.orders.list_for_customer(customer.id, statuses=ORDERS_IN_PROGRESS))
        for request in uow.data_requests.list_for_customer(customer.id):
            if request.kind == DataRequestKind.DELETE and request.status in OPEN_REQUEST:
                return _view(request, in_progress, existing=True, email=customer.email)
        request = DataRequest(
            customer_id=customer.id,
            kind=DataRequestKind.DELETE,
            status=DataRequestStatus.PENDING,
            created_at=now,
        )
        uow.data_requests.add(request)
        uow.flush()
        view = _view(request, in_progress, existing=False, email=customer.email)
        throttle.record(
            uow,
            action="data_request.created",
            entity="data_request",
            entity_id=str(request.id),
            details={
                "kind": "delete",
                "customer_id": customer.id,
                "source": "chat",
                "conversation_id": conversation_id,
            },
            now=now,
        )
        lang = language or customer.preferred_language
        queue_email(
            uow,
            to=customer.email,
            template="deletion_requested",
            language=lang,
            name=customer.name,
            reference=view.reference,
            due_date=_date(view.due_by, str(lang)),
        )
        uow.commit()
    return view


def _date(value: datetime, language: str) -> str:
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value:%B %Y}"
