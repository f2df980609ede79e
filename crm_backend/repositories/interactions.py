"""Bot conversation records."""

from __future__ import annotations

from typing import Iterable, List, Optional

from sqlalchemy import select

from crm_backend.models import Interaction
from crm_backend.repositories.base import SqlAlchemyRepository


class InteractionRepository(SqlAlchemyRepository[Interaction]):
    model = Interaction

    def get_by_conversation_id(
        self, conversation_id: str, *, for_update: bool = False
    ) -> Optional[Interaction]:
        stmt = select(Interaction).where(Interaction.conversation_id == conversation_id)
        if for_update:  # row lock on PostgreSQL; SQLite serialises writers anyway
            stmt = stmt.with_for_update(of=Interaction)
        return self.session.execute(stmt).scalar_one_or_none()

    def list_for_customers(
        self, customer_ids: Iterable[int], *, limit: int = 100
    ) -> List[Interaction]:
        """Conversations of these customers, newest first."""
        ids = list(customer_ids)
        if not ids:
            return []
        stmt = (
            select(Interaction)
            .where(Interaction.customer_id.in_(ids))
            .order_by(Interaction.started_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def list_recent(self, *, limit: int = 100) -> List[Interaction]:
        """The newest conversations."""
        stmt = (
            select(Interaction)
            .order_by(Interaction.started_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())
