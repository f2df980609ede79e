"""Support tickets."""

from __future__ import annotations

from typing import Iterable, List, Optional

from sqlalchemy import select

from crm_backend.models import Ticket, TicketStatus
from crm_backend.repositories.base import SqlAlchemyRepository

OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.PENDING)


class TicketRepository(SqlAlchemyRepository[Ticket]):
    model = Ticket

    def list_by_status(
        self, statuses: Iterable[TicketStatus] = OPEN_STATUSES, *, limit: int = 100
    ) -> List[Ticket]:
        """Tickets in ``statuses`` (default: not yet resolved), oldest first."""
        stmt = (
            select(Ticket)
            .where(Ticket.status.in_(list(statuses)))
            .order_by(Ticket.created_at, Ticket.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def latest_for_conversation(self, conversation_id: str) -> Optional[Ticket]:
        stmt = (
            select(Ticket)
            .where(Ticket.conversation_id == conversation_id)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        return self.session.execute(stmt).scalar_one_or_none()
