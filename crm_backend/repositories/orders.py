"""Orders (with items, payments, invoices)."""

from __future__ import annotations

from typing import Iterable, List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crm_backend.models import Order, OrderStatus
from crm_backend.repositories.base import SqlAlchemyRepository


class OrderRepository(SqlAlchemyRepository[Order]):
    model = Order

    def get_by_number(self, order_number: str, *, for_update: bool = False) -> Optional[Order]:
        """The order with this exact (normalised) number, its customer and items loaded.

        ``for_update`` locks the order row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
        serialises writers anyway) so concurrent changes of one order queue up.
        """
        stmt = (
            select(Order)
            .where(Order.order_number == order_number)
            .options(selectinload(Order.customer), selectinload(Order.items))
        )
        if for_update:
            stmt = stmt.with_for_update(of=Order)
        return self.session.execute(stmt).scalar_one_or_none()

    def change_status_if(
        self, order: Order, expected: Iterable[OrderStatus], new: OrderStatus
    ) -> bool:
        """Move ``order`` to ``new`` only if its *stored* status is one of ``expected``.

        A compare-and-set guard for concurrent changes where row locks are not available
        (SQLite ignores ``FOR UPDATE``): of two racing transactions only one updates the
        row. True if this call changed it (``order.status`` is then ``new``).
        """
        result = self.session.execute(
            update(Order)
            .where(Order.id == order.id, Order.status.in_(list(expected)))
            .values(status=new)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        set_committed_value(order, "status", new)
        return True

    def list_for_customer(
        self, customer_id: int, *, statuses: Optional[Iterable[OrderStatus]] = None, limit: int = 50
    ) -> List[Order]:
        """A customer's orders, newest first, optionally filtered by status."""
        stmt = select(Order).where(Order.customer_id == customer_id)
        if statuses is not None:
            stmt = stmt.where(Order.status.in_(list(statuses)))
        stmt = stmt.order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit)
        return list(self.session.execute(stmt).scalars())

    def list_by_status(self, status: OrderStatus, *, limit: int = 100) -> List[Order]:
        stmt = select(Order).where(Order.status == status).order_by(Order.id).limit(limit)
        return list(self.session.execute(stmt).scalars())
