"""Chat message text (``conversation_messages``): append and search."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_backend.models import ConversationMessage, Customer, Interaction


class ConversationMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_seq(self, conversation_id: str) -> int:
        """The highest stored event index of the conversation (-1: none stored)."""
        stmt = select(func.max(ConversationMessage.seq)).where(
            ConversationMessage.conversation_id == conversation_id
        )
        found = self.session.execute(stmt).scalar()
        return -1 if found is None else int(found)

    def add_all(self, rows: Iterable[ConversationMessage]) -> None:
        self.session.add_all(list(rows))

    def matching_conversations(
        self, folded_needle: str, *, limit: int, offset: int = 0
    ) -> List[Tuple[str, int]]:
        """(conversation id, id of its newest matching message) for conversations with a
        message containing ``folded_needle``, the most recently active match first."""
        m = ConversationMessage
        newest = func.max(m.id)
        stmt = (
            select(m.conversation_id, newest)
            .where(m.folded.contains(folded_needle, autoescape=True))
            .group_by(m.conversation_id)
            .order_by(func.max(m.sent_at).desc(), newest.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(str(cid), int(mid)) for cid, mid in self.session.execute(stmt)]

    def by_ids(self, ids: Sequence[int]) -> List[ConversationMessage]:
        if not ids:
            return []
        stmt = select(ConversationMessage).where(ConversationMessage.id.in_(list(ids)))
        return list(self.session.execute(stmt).scalars())

    def conversation_owners(
        self, conversation_ids: Sequence[str]
    ) -> Dict[str, Tuple[Optional[datetime], Optional[str]]]:
        """conversation id -> (started at, customer name) for the recorded ones."""
        if not conversation_ids:
            return {}
        stmt = (
            select(Interaction.conversation_id, Interaction.started_at, Customer.name)
            .outerjoin(Customer, Interaction.customer_id == Customer.id)
            .where(Interaction.conversation_id.in_(list(conversation_ids)))
        )
        return {str(cid): (started, name) for cid, started, name in self.session.execute(stmt)}
