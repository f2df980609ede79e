"""Orders with their lines, payments and invoices."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, Money, UTCDateTime, enum_type, utcnow
from crm_backend.models.enums import OrderStatus, PaymentMethod, PaymentStatus


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("total >= 0", name="total_non_negative"),
        sa.CheckConstraint("cancellation_fee >= 0", name="cancellation_fee_non_negative"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    order_number = sa.Column(sa.String(16), nullable=False, unique=True)
    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status = sa.Column(
        enum_type(OrderStatus, "status"), nullable=False, default=OrderStatus.PENDING, index=True
    )
    placed_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    paid_at = sa.Column(UTCDateTime)
    shipped_at = sa.Column(UTCDateTime)
    estimated_delivery = sa.Column(UTCDateTime)
    delivered_at = sa.Column(UTCDateTime)
    cancelled_at = sa.Column(UTCDateTime)
    carrier = sa.Column(sa.String(40))
    tracking_number = sa.Column(sa.String(64), index=True)
    # shipping address snapshot: later edits of the customer's addresses don't rewrite history
    ship_name = sa.Column(sa.String(200))
    ship_line1 = sa.Column(sa.String(200))
    ship_line2 = sa.Column(sa.String(200))
    ship_city = sa.Column(sa.String(100))
    ship_postcode = sa.Column(sa.String(20))
    ship_country = sa.Column(sa.String(2))
    shipping_method = sa.Column(sa.String(20), nullable=False, default="standard")
    currency = sa.Column(sa.String(3), nullable=False, default="GBP")
    total = sa.Column(Money, nullable=False, default=0)
    cancellation_fee = sa.Column(Money, nullable=False, default=0)

    customer = relationship("Customer", back_populates="orders")
    items = relationship(
        "OrderItem", back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    payments = relationship(
        "Payment", back_populates="order", cascade="all, delete-orphan", order_by="Payment.id"
    )
    invoices = relationship(
        "Invoice", back_populates="order", cascade="all, delete-orphan", order_by="Invoice.id"
    )

    @property
    def item_count(self) -> int:
        return sum(int(item.quantity) for item in self.items)

    def __repr__(self) -> str:
        return f"<Order {self.order_number} {self.status}>"


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    order_id = sa.Column(
        sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    product_id = sa.Column(
        sa.Integer, sa.ForeignKey("products.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    quantity = sa.Column(sa.Integer, nullable=False)
    unit_price = sa.Column(Money, nullable=False)

    order = relationship("Order", back_populates="items")
    product = relationship("Product")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_non_negative"),)

    id = sa.Column(sa.Integer, primary_key=True)
    order_id = sa.Column(
        sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    method = sa.Column(enum_type(PaymentMethod, "method"), nullable=False)
    amount = sa.Column(Money, nullable=False)
    status = sa.Column(
        enum_type(PaymentStatus, "status"), nullable=False, default=PaymentStatus.PENDING
    )
    reference = sa.Column(sa.String(64))
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )

    order = relationship("Order", back_populates="payments")


class Invoice(Base):
    __tablename__ = "invoices"

    id = sa.Column(sa.Integer, primary_key=True)
    invoice_number = sa.Column(sa.String(32), nullable=False, unique=True)
    order_id = sa.Column(
        sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    issued_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )
    amount = sa.Column(Money, nullable=False)

    order = relationship("Order", back_populates="invoices")
