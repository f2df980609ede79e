"""Annotations of the NLU inbox (``uow.nlu``)."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from sqlalchemy import select

from crm_backend.models.nlu import NluAnnotation
from crm_backend.repositories.base import SqlAlchemyRepository


class NluAnnotationRepository(SqlAlchemyRepository[NluAnnotation]):
    model = NluAnnotation

    def by_key(self, message_key: str) -> Optional[NluAnnotation]:
        stmt = select(NluAnnotation).where(NluAnnotation.message_key == message_key)
        return self.session.execute(stmt).scalars().first()

    def by_keys(self, keys: Iterable[str]) -> Dict[str, NluAnnotation]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        stmt = select(NluAnnotation).where(NluAnnotation.message_key.in_(wanted))
        return {row.message_key: row for row in self.session.execute(stmt).scalars()}

    def all(self, *, language: Optional[str] = None) -> List[NluAnnotation]:
        """Every annotation (optionally of one language), oldest first."""
        stmt = select(NluAnnotation)
        if language:
            stmt = stmt.where(NluAnnotation.language == language)
        return list(self.session.execute(stmt.order_by(NluAnnotation.id)).scalars())
