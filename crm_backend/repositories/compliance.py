"""Data-subject requests and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import select

from crm_backend.models import AuditLog, DataRequest
from crm_backend.repositories.base import SqlAlchemyRepository


class DataRequestRepository(SqlAlchemyRepository[DataRequest]):
    model = DataRequest

    def list_for_customer(self, customer_id: int) -> List[DataRequest]:
        stmt = select(DataRequest).where(DataRequest.customer_id == customer_id)
        return list(self.session.execute(stmt.order_by(DataRequest.id)).scalars())


class AuditRepository(SqlAlchemyRepository[AuditLog]):
    model = AuditLog

    def record(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
    ) -> AuditLog:
        """Stage one audit entry (committed with the rest of the unit of work)."""
        entry = AuditLog(
            actor=actor, action=action, entity=entity, entity_id=entity_id, details=details or {}
        )
        self.session.add(entry)
        return entry

    def list_for_entity(self, entity: str, entity_id: str) -> List[AuditLog]:
        stmt = (
            select(AuditLog)
            .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        )
        return list(self.session.execute(stmt).scalars())

    def list_since(
        self,
        entity: str,
        entity_id: str,
        since: datetime,
        *,
        actions: Optional[Sequence[str]] = None,
    ) -> List[AuditLog]:
        """Entries about one entity created at or after ``since`` (optionally only some
        actions), oldest first."""
        stmt = select(AuditLog).where(
            AuditLog.entity == entity,
            AuditLog.entity_id == entity_id,
            AuditLog.created_at >= since,
        )
        if actions is not None:
            stmt = stmt.where(AuditLog.action.in_(list(actions)))
        return list(self.session.execute(stmt.order_by(AuditLog.id)).scalars())

    def exists(self, action: str, entity: str) -> bool:
        stmt = select(AuditLog.id).where(AuditLog.action == action, AuditLog.entity == entity)
        return self.session.execute(stmt.limit(1)).first() is not None
