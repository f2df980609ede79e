"""GDPR/PIPL data-subject requests and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, JSONType, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import DataRequestKind, DataRequestStatus


class DataRequest(Base):
    __tablename__ = "data_requests"

    id = sa.Column(sa.Integer, primary_key=True)
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    kind = sa.Column(enum_type(DataRequestKind, "kind"), nullable=False)
    status = sa.Column(
        enum_type(DataRequestStatus, "status"),
        nullable=False,
        default=DataRequestStatus.PENDING,
        index=True,
    )
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    completed_at = sa.Column(UTCDateTime)

    customer = relationship("Customer")


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity", "entity_id"),)

    id = sa.Column(sa.Integer, primary_key=True)
    actor = sa.Column(sa.String(100), nullable=False)  # "bot", "system", "staff:<username>"
    action = sa.Column(sa.String(64), nullable=False, index=True)
    entity = sa.Column(sa.String(64), nullable=False)
    entity_id = sa.Column(sa.String(64))
    details = sa.Column(JSONType, nullable=False, default=dict)
    created_at = sa.Column(
        UTCDateTime,
        nullable=False,
        default=utcnow,
        server_default=sa.func.current_timestamp(),
        index=True,
    )
