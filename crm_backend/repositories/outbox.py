"""Outgoing e-mail/SMS queue."""

from __future__ import annotations

from typing import List

from sqlalchemy import select

from crm_backend.models import OutboxMessage, OutboxStatus
from crm_backend.repositories.base import SqlAlchemyRepository


class OutboxRepository(SqlAlchemyRepository[OutboxMessage]):
    model = OutboxMessage

    def list_pending(self, *, limit: int = 50) -> List[OutboxMessage]:
        """Pending messages, oldest first."""
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())
