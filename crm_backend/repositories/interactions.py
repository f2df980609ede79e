"""Bot conversation records."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from crm_backend.models import Interaction
from crm_backend.repositories.base import SqlAlchemyRepository


class InteractionRepository(SqlAlchemyRepository[Interaction]):
    model = Interaction

    def get_by_conversation_id(self, conversation_id: str) -> Optional[Interaction]:
        stmt = select(Interaction).where(Interaction.conversation_id == conversation_id)
        return self.session.execute(stmt).scalar_one_or_none()
