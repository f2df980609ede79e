"""The privacy team's queue: data-subject requests (export, delete) and their deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from crm_backend.errors import NotFound
from crm_backend.models import DataRequest, utcnow
from crm_backend.repositories.privacy import OPEN_STATUSES, PrivacyRepository
from crm_backend.services.account_deletion import RESPONSE_TIME, deletion_reference
from crm_backend.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DataRequestView:
    id: int
    reference: str
    customer_id: int
    kind: str
    status: str
    created_at: datetime
    due_by: datetime
    completed_at: Optional[datetime]
    open: bool
    overdue: bool
    customer_erased: bool


def to_view(request: DataRequest, now: datetime) -> DataRequestView:
    due_by = request.created_at + RESPONSE_TIME
    is_open = request.status in OPEN_STATUSES
    return DataRequestView(
        id=int(request.id),
        reference=deletion_reference(int(request.id)),
        customer_id=int(request.customer_id),
        kind=str(request.kind),
        status=str(request.status),
        created_at=request.created_at,
        due_by=due_by,
        completed_at=request.completed_at,
        open=is_open,
        overdue=is_open and due_by < now,
        customer_erased=bool(request.customer.anonymised),
    )


def list_requests(
    uow: UnitOfWork,
    *,
    open_only: bool = True,
    closed_limit: int = 50,
    now: Optional[datetime] = None,
) -> List[DataRequestView]:
    """Open requests oldest (most urgent) first; then, unless ``open_only``, the most
    recently closed ones."""
    now = now or utcnow()
    with uow:
        repo = PrivacyRepository(uow.session)
        found = repo.open_requests()
        if not open_only:
            found += repo.closed_requests(limit=closed_limit)
        return [to_view(request, now) for request in found]


def get_request(
    uow: UnitOfWork, request_id: int, *, now: Optional[datetime] = None
) -> DataRequestView:
    """One request by id, or NotFound."""
    now = now or utcnow()
    with uow:
        request = PrivacyRepository(uow.session).get_request(request_id)
        if request is None:
            raise NotFound("No such data request.")
        return to_view(request, now)
