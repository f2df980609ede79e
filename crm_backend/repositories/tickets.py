"""Support tickets."""

from __future__ import annotations

from typing import Iterable, List, Optional

from sqlalchemy import case, func, select

from crm_backend.models import Ticket, TicketKind, TicketPriority, TicketStatus
from crm_backend.repositories.base import SqlAlchemyRepository

OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.PENDING)
# the live-agent queue: escalations nobody resolved or handed back yet
QUEUE_KINDS = (TicketKind.ESCALATION,)
QUEUE_STATUSES = (TicketStatus.OPEN, TicketStatus.ASSIGNED)
# most urgent first (0), then longest waiting
PRIORITY_RANK = case(
    {
        TicketPriority.URGENT.value: 0,
        TicketPriority.HIGH.value: 1,
        TicketPriority.NORMAL.value: 2,
        TicketPriority.LOW.value: 3,
    },
    value=Ticket.priority,
    else_=4,
)


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

    def list_queue(
        self,
        *,
        kinds: Iterable[TicketKind] = QUEUE_KINDS,
        statuses: Iterable[TicketStatus] = QUEUE_STATUSES,
        limit: int = 200,
    ) -> List[Ticket]:
        """The agents' queue: by priority (urgent first), then waiting time (oldest first)."""
        stmt = (
            select(Ticket)
            .where(Ticket.kind.in_(list(kinds)), Ticket.status.in_(list(statuses)))
            .order_by(PRIORITY_RANK, Ticket.created_at, Ticket.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def count_queue(
        self,
        *,
        kinds: Iterable[TicketKind] = QUEUE_KINDS,
        statuses: Iterable[TicketStatus] = (TicketStatus.OPEN,),
    ) -> int:
        """How many queue tickets are in ``statuses`` (default: waiting for an agent)."""
        stmt = select(func.count(Ticket.id)).where(
            Ticket.kind.in_(list(kinds)), Ticket.status.in_(list(statuses))
        )
        return int(self.session.execute(stmt).scalar_one())

    def get_for_update(self, ticket_id: int) -> Optional[Ticket]:
        """The ticket, row-locked on PostgreSQL so concurrent claims queue up."""
        stmt = select(Ticket).where(Ticket.id == ticket_id).with_for_update(of=Ticket)
        return self.session.execute(stmt).scalar_one_or_none()

    def claim_if_open(self, ticket_id: int, assignee_id: int) -> bool:
        """Compare-and-set OPEN -> ASSIGNED to ``assignee_id``; False if someone was first."""
        result = self.session.execute(
            Ticket.__table__.update()
            .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.OPEN.value)
            .values(status=TicketStatus.ASSIGNED.value, assignee_id=assignee_id)
        )
        return bool(result.rowcount == 1)

    def list_for_customer(self, customer_id: int, *, limit: int = 50) -> List[Ticket]:
        """A customer's tickets, newest first."""
        stmt = (
            select(Ticket)
            .where(Ticket.customer_id == customer_id)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def list_conversations(self, *, limit: int = 200) -> List[Ticket]:
        """Tickets that belong to a chat conversation, newest first."""
        stmt = (
            select(Ticket)
            .where(Ticket.conversation_id.isnot(None))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def list_for_order(self, order_id: int, *, limit: int = 50) -> List[Ticket]:
        stmt = select(Ticket).where(Ticket.order_id == order_id).order_by(Ticket.id.desc())
        return list(self.session.execute(stmt.limit(limit)).scalars())
