"""Retention offers and customer reviews."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, Money, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import OfferStatus, OfferType


class RetentionOffer(Base):
    __tablename__ = "retention_offers"
    __table_args__ = (sa.CheckConstraint("value >= 0", name="value_non_negative"),)

    id = sa.Column(sa.Integer, primary_key=True)
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    type = sa.Column(enum_type(OfferType, "type"), nullable=False)
    value = sa.Column(Money, nullable=False, default=0)  # percent for discounts, else money
    reason = sa.Column(sa.String(200))
    churn_score = sa.Column(sa.Float)
    status = sa.Column(
        enum_type(OfferStatus, "status"), nullable=False, default=OfferStatus.OFFERED, index=True
    )
    code = sa.Column(sa.String(32), unique=True)  # NULL for control-group rows
    expires_at = sa.Column(UTCDateTime)
    control_group = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )

    customer = relationship("Customer")


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    id = sa.Column(sa.Integer, primary_key=True)
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_id = sa.Column(sa.Integer, sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    product_id = sa.Column(
        sa.Integer, sa.ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    rating = sa.Column(sa.Integer, nullable=False)
    text = sa.Column(sa.Text)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )

    customer = relationship("Customer")
    order = relationship("Order")
    product = relationship("Product")
