"""Admin annotations of customer messages from the NLU inbox (training data to be).

One row per annotated message, keyed by ``message_key`` (a hash of the conversation id and
the message's timestamp in Rasa's tracker store). Only the *masked* text is stored: e-mail
addresses, phone numbers and order numbers are replaced before the row is written.
"""

from __future__ import annotations

import sqlalchemy as sa

from crm_backend.models.base import Base, UTCDateTime, utcnow


class NluAnnotation(Base):
    __tablename__ = "nlu_annotations"
    __table_args__ = (
        sa.CheckConstraint("status IN ('confirmed', 'corrected', 'noise')", name="status_known"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    message_key = sa.Column(sa.String(64), nullable=False, unique=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    text = sa.Column(sa.Text, nullable=False)  # masked
    language = sa.Column(sa.String(8), nullable=False, index=True)
    predicted_intent = sa.Column(sa.String(100))
    confidence = sa.Column(sa.Float)
    status = sa.Column(sa.String(16), nullable=False)
    intent = sa.Column(sa.String(100))  # NULL for noise
    # entity marks: JSON [{start, end, entity}], offsets into the masked text; NULL: none
    entities = sa.Column(sa.Text)
    annotated_by = sa.Column(sa.String(100), nullable=False)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    updated_at = sa.Column(
        UTCDateTime,
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=sa.func.current_timestamp(),
    )

    def __repr__(self) -> str:
        return f"<NluAnnotation {self.id} {self.status} {self.intent!r}>"
