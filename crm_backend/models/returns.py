"""Returns (RMA) of delivered orders and the refunds paid out."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, Money, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import RefundStatus, ReturnStatus


class Return(Base):
    __tablename__ = "returns"

    id = sa.Column(sa.Integer, primary_key=True)
    order_id = sa.Column(
        sa.Integer, sa.ForeignKey("orders.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status = sa.Column(
        enum_type(ReturnStatus, "status"),
        nullable=False,
        default=ReturnStatus.REQUESTED,
        index=True,
    )
    reason = sa.Column(sa.Text)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    updated_at = sa.Column(UTCDateTime, onupdate=utcnow)

    order = relationship("Order")
    items = relationship(
        "ReturnItem",
        back_populates="return_",
        cascade="all, delete-orphan",
        order_by="ReturnItem.id",
    )
    refunds = relationship("Refund", back_populates="return_", order_by="Refund.id")


class ReturnItem(Base):
    __tablename__ = "return_items"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    id = sa.Column(sa.Integer, primary_key=True)
    return_id = sa.Column(
        sa.Integer, sa.ForeignKey("returns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_item_id = sa.Column(
        sa.Integer, sa.ForeignKey("order_items.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    quantity = sa.Column(sa.Integer, nullable=False)

    return_ = relationship("Return", back_populates="items")
    order_item = relationship("OrderItem")


class Refund(Base):
    """Money back for an order, optionally tied to the return that caused it."""

    __tablename__ = "refunds"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_non_negative"),)

    id = sa.Column(sa.Integer, primary_key=True)
    order_id = sa.Column(
        sa.Integer, sa.ForeignKey("orders.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    return_id = sa.Column(sa.Integer, sa.ForeignKey("returns.id", ondelete="SET NULL"), index=True)
    amount = sa.Column(Money, nullable=False)
    status = sa.Column(
        enum_type(RefundStatus, "status"), nullable=False, default=RefundStatus.PENDING, index=True
    )
    reference = sa.Column(sa.String(64))
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    processed_at = sa.Column(UTCDateTime)

    order = relationship("Order")
    return_ = relationship("Return", back_populates="refunds")
