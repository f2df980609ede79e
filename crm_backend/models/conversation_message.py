"""The text of every chat message, for the console's full-text conversation search.

Rasa's tracker store stays the system of record for transcripts (and may be another
database); the analytics writer copies each conversation's user, bot and agent messages
here as it records the conversation (append-only: a message is keyed by the index of its
tracker event). ``folded`` is the case-folded text the search matches with ``LIKE``.
"""

from __future__ import annotations

import sqlalchemy as sa

from crm_backend.models.base import Base, UTCDateTime


class ConversationMessage(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq"),
        sa.CheckConstraint("seq >= 0", name="seq_non_negative"),
        sa.CheckConstraint("sender IN ('user', 'bot', 'agent')", name="sender_known"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(128), nullable=False)
    seq = sa.Column(sa.Integer, nullable=False)  # index of the tracker event
    sender = sa.Column(sa.String(16), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    folded = sa.Column(sa.Text, nullable=False)
    sent_at = sa.Column(UTCDateTime, nullable=False)
