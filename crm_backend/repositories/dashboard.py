"""Read-only rows for the analytics dashboard (interactions, escalations, retention offers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_backend.models import Interaction, RetentionOffer, Ticket, TicketKind


class DashboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def interactions(self, since: datetime) -> List[Tuple[Any, ...]]:
        """(started_at, language, intents, sentiment_avg, csat, handoff, outcome)."""
        stmt = select(
            Interaction.started_at,
            Interaction.language,
            Interaction.intents,
            Interaction.sentiment_avg,
            Interaction.csat,
            Interaction.handoff,
            Interaction.outcome,
        ).where(Interaction.started_at >= since)
        return [tuple(row) for row in self.session.execute(stmt)]

    def escalations(self, since: datetime) -> List[Tuple[Any, ...]]:
        """(created_at, resolved_at) of handoff tickets."""
        stmt = select(Ticket.created_at, Ticket.resolved_at).where(
            Ticket.kind == TicketKind.ESCALATION, Ticket.created_at >= since
        )
        return [tuple(row) for row in self.session.execute(stmt)]

    def offers(self, since: datetime) -> List[Tuple[Any, ...]]:
        """(created_at, status, control_group)."""
        stmt = select(
            RetentionOffer.created_at, RetentionOffer.status, RetentionOffer.control_group
        ).where(RetentionOffer.created_at >= since)
        return [tuple(row) for row in self.session.execute(stmt)]
