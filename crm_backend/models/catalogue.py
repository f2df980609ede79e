"""The product catalogue."""

from __future__ import annotations

import sqlalchemy as sa

from crm_backend.models.base import Base, Money, UTCDateTime, utcnow


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price_non_negative"),
        sa.CheckConstraint("stock >= 0", name="stock_non_negative"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    sku = sa.Column(sa.String(32), nullable=False, unique=True)
    name_en = sa.Column(sa.String(200), nullable=False)
    name_zh = sa.Column(sa.String(200))
    description = sa.Column(sa.Text)
    category = sa.Column(sa.String(40), nullable=False, index=True)
    price = sa.Column(Money, nullable=False)
    stock = sa.Column(sa.Integer, nullable=False, default=0)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.func.current_timestamp()
    )

    def name_for(self, language: str) -> str:
        """The product name in ``language`` ('en' or 'zh'), falling back to English."""
        if language == "zh" and self.name_zh:
            return str(self.name_zh)
        return str(self.name_en)

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"
