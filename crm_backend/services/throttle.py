"""Rate limits kept in the audit log (no extra table): count recent entries of one kind.

A limited request is recorded as an audit entry keyed by a pseudonymous fingerprint
(never the e-mail itself), so limits hold across processes and restarts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, Optional

from crm_backend.errors import InvalidState
from crm_backend.models import AuditLog, utcnow
from crm_backend.unit_of_work import UnitOfWork

ACTOR = "bot"


class RateLimited(InvalidState):
    """Too many requests of this kind for this key recently; try again later."""

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def record(
    uow: UnitOfWork,
    *,
    action: str,
    entity: str,
    entity_id: str,
    details: Optional[Dict[str, Any]] = None,
    now: Optional[datetime] = None,
) -> AuditLog:
    """Stage an audit entry stamped ``now`` (defaults to the current time)."""
    entry = uow.audit.record(ACTOR, action, entity, entity_id, details or {})
    entry.created_at = now or utcnow()
    return entry


def check_and_count(
    uow: UnitOfWork,
    *,
    action: str,
    entity: str,
    key: str,
    limit: int,
    window: timedelta,
    now: datetime,
    details: Optional[Dict[str, Any]] = None,
) -> None:
    """Raise :class:`RateLimited` if ``limit`` ``action`` entries for ``key`` exist within
    ``window``; otherwise stage one more (committed with the caller's unit of work)."""
    recent = uow.audit.list_since(entity, key, now - window, actions=[action])
    if len(recent) >= limit:
        oldest = min(entry.created_at for entry in recent)
        raise RateLimited(
            "Too many requests for this address; please try again later.",
            retry_after=max(oldest + window - now, timedelta(0)),
        )
    record(uow, action=action, entity=entity, entity_id=key, details=details, now=now)
