"""Product catalogue."""

from __future__ import annotations

from typing import Iterable, List, Optional

from sqlalchemy import func, or_, select

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

    def search(self, terms: Iterable[str], *, limit: int = 500) -> List[Product]:
        """Active products whose names, category or description contain any of ``terms``
        (case-insensitive substring match; ``%``/``_`` in terms are matched literally)."""
        columns = (Product.name_en, Product.name_zh, Product.category, Product.description)
        conditions = [
            func.lower(column).contains(term.lower(), autoescape=True)
            for term in terms
            if term
            for column in columns
        ]
        if not conditions:
            return []
        stmt = (
            select(Product)
            .where(Product.active.is_(True), or_(*conditions))
            .order_by(Product.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())
