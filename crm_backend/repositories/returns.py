"""Returns and refunds."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select

from crm_backend.models import Order, Refund, Return
from crm_backend.repositories.base import SqlAlchemyRepository


class ReturnRepository(SqlAlchemyRepository[Return]):
    model = Return

    def list_for_order(self, order_id: int) -> List[Return]:
        stmt = select(Return).where(Return.order_id == order_id).order_by(Return.id)
        return list(self.session.execute(stmt).scalars())


class RefundRepository(SqlAlchemyRepository[Refund]):
    model = Refund

    def list_for_order(self, order_id: int) -> List[Refund]:
        stmt = select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
        return list(self.session.execute(stmt).scalars())

    def get_by_reference(self, reference: str) -> Optional[Refund]:
        """The (first) refund with this exact reference, e.g. ``RF-000042``."""
        stmt = select(Refund).where(Refund.reference == reference).order_by(Refund.id).limit(1)
        return self.session.execute(stmt).scalars().first()

    def list_for_customer(self, customer_id: int, *, limit: int = 50) -> List[Refund]:
        """A customer's refunds over all their orders, newest first."""
        stmt = (
            select(Refund)
            .join(Order, Refund.order_id == Order.id)
            .where(Order.customer_id == customer_id)
            .order_by(Refund.created_at.desc(), Refund.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())
