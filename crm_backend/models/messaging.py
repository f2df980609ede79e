"""Transactional outbox: messages to send by e-mail or SMS, written in the same transaction."""

from __future__ import annotations

import sqlalchemy as sa

from crm_backend.models.base import Base, JSONType, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import OutboxChannel, OutboxStatus


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(enum_type(OutboxChannel, "channel"), nullable=False)
    recipient = sa.Column(sa.String(254), nullable=False)  # e-mail address or phone number
    subject = sa.Column(sa.String(200))
    body = sa.Column(sa.Text, nullable=False, default="")
    template = sa.Column(sa.String(64))
    payload = sa.Column(JSONType, nullable=False, default=dict)
    status = sa.Column(
        enum_type(OutboxStatus, "status"), nullable=False, default=OutboxStatus.PENDING, index=True
    )
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.Text)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    sent_at = sa.Column(UTCDateTime)
