"""Returns and refunds."""

from __future__ import annotations

from typing import List

from sqlalchemy import select

from crm_backend.models import Refund, Return
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
