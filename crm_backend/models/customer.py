"""Customers and their postal addresses."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import Language


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        # e-mails are stored normalised so equality lookups can use the unique index
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    external_ref = sa.Column(sa.String(40), unique=True)  # e.g. Online Retail CustomerID
    name = sa.Column(sa.String(200), nullable=False)
    email = sa.Column(sa.String(254), unique=True)
    phone = sa.Column(sa.String(32), index=True)
    preferred_language = sa.Column(
        enum_type(Language, "preferred_language"), nullable=False, default=Language.EN
    )
    country = sa.Column(sa.String(2))  # ISO 3166-1 alpha-2
    marketing_consent = sa.Column(sa.Boolean, nullable=False, default=False)
    newsletter = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    deleted_at = sa.Column(UTCDateTime)
    anonymised = sa.Column(sa.Boolean, nullable=False, default=False)

    addresses = relationship(
        "Address", back_populates="customer", cascade="all, delete-orphan", order_by="Address.id"
    )
    orders = relationship("Order", back_populates="customer", order_by="Order.placed_at")

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None and not self.anonymised

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.email!r}>"


class Address(Base):
    __tablename__ = "addresses"

    id = sa.Column(sa.Integer, primary_key=True)
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line1 = sa.Column(sa.String(200), nullable=False)
    line2 = sa.Column(sa.String(200))
    city = sa.Column(sa.String(100), nullable=False)
    postcode = sa.Column(sa.String(20))
    country = sa.Column(sa.String(2), nullable=False)
    is_default = sa.Column(sa.Boolean, nullable=False, default=False)

    customer = relationship("Customer", back_populates="addresses")
