"""Product catalogue."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select

from crm_backend.models import Product
from crm_backend.repositories.base import SqlAlchemyRepository


class ProductRepository(SqlAlchemyRepository[Product]):
    model = Product

    def get_by_sku(self, sku: str) -> Optional[Product]:
        return self.session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()

    def list_active(self, *, category: Optional[str] = None, limit: int = 100) -> List[Product]:
        stmt = select(Product).where(Product.active.is_(True))
        if category is not None:
            stmt = stmt.where(Product.category == category)
        stmt = stmt.order_by(Product.id).limit(limit)
        return list(self.session.execute(stmt).scalars())
