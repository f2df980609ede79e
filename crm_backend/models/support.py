"""Staff accounts and support tickets (including bot hand-offs)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, JSONType, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import StaffRole, TicketKind, TicketPriority, TicketStatus


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    display_name = sa.Column(sa.String(200), nullable=False)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(enum_type(StaffRole, "role"), nullable=False, default=StaffRole.AGENT)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )

    def __repr__(self) -> str:
        return f"<StaffUser {self.username} {self.role}>"


class Ticket(Base):
    __tablename__ = "tickets"

    id = sa.Column(sa.Integer, primary_key=True)
    kind = sa.Column(enum_type(TicketKind, "kind"), nullable=False, default=TicketKind.SUPPORT)
    reason = sa.Column(sa.String(100))
    priority = sa.Column(
        enum_type(TicketPriority, "priority"), nullable=False, default=TicketPriority.NORMAL
    )
    status = sa.Column(
        enum_type(TicketStatus, "status"), nullable=False, default=TicketStatus.OPEN, index=True
    )
    assignee_id = sa.Column(
        sa.Integer, sa.ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    order_id = sa.Column(sa.Integer, sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    conversation_id = sa.Column(sa.String(128), index=True)
    subject = sa.Column(sa.String(200), nullable=False)
    notes = sa.Column(sa.Text)
    tags = sa.Column(JSONType, nullable=False, default=list)
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
    resolved_at = sa.Column(UTCDateTime)

    assignee = relationship("StaffUser")
    customer = relationship("Customer")
    order = relationship("Order")

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.kind} {self.status}>"
