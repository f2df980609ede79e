"""One row per bot conversation, for analytics and the console."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, JSONType, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import Language


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        sa.CheckConstraint("csat IS NULL OR (csat >= 1 AND csat <= 5)", name="csat_range"),
        sa.CheckConstraint("turns >= 0", name="turns_non_negative"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(128), nullable=False, unique=True)
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    channel = sa.Column(sa.String(32), nullable=False, default="web")
    language = sa.Column(enum_type(Language, "language"), nullable=False, default=Language.EN)
    turns = sa.Column(sa.Integer, nullable=False, default=0)
    intents = sa.Column(JSONType, nullable=False, default=list)
    sentiment_avg = sa.Column(sa.Float)
    csat = sa.Column(sa.Integer)
    handoff = sa.Column(sa.Boolean, nullable=False, default=False)
    outcome = sa.Column(sa.String(40), index=True)
    started_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    ended_at = sa.Column(UTCDateTime)

    customer = relationship("Customer")
