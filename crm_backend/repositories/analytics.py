"""Read-only aggregate queries for the ML models (recommendations, churn): ``uow.analytics``.

Set-based queries over orders, products, returns, tickets and conversations; nothing here
writes. Only active customers (not deleted nor anonymised) are considered.

API (inside ``with uow:``)::

    uow.analytics.purchase_lines(statuses) -> [(customer_id, sku, order_id, placed_at, qty)]
    uow.analytics.customer_purchases(customer_id, statuses) -> [(sku, orders, last_placed_at)]
    uow.analytics.products_by_skus(skus) -> {sku: row (sku, names, price, category, stock, active)}
    uow.analytics.best_sellers(statuses, since, limit, category=None) -> [sku]  # in stock
    uow.analytics.order_stats(statuses, before, since=None) -> [(customer, n, total, first, last)]
    uow.analytics.orders_between(statuses, start, end) -> {customer_id}
    uow.analytics.return_counts(before) / ticket_counts(before) / conversation_stats(before)
    uow.analytics.customers(before) -> [(customer_id, created_at)]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from crm_backend.models import (
    Customer,
    Interaction,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    Return,
    Ticket,
    TicketKind,
)

CHUNK = 1000
ACTIVE = and_(Customer.deleted_at.is_(None), Customer.anonymised.is_(False))


class AnalyticsRepository:
    """Aggregate reads; takes the unit of work's session, never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def purchase_lines(self, statuses: Iterable[OrderStatus]) -> List[Tuple[Any, ...]]:
        """Every order line of active customers' orders in ``statuses``."""
        stmt = (
            select(
                Order.customer_id,
                Product.sku,
                Order.id,
                Order.placed_at,
                OrderItem.quantity,
            )
            .join(OrderItem, OrderItem.order_id == Order.id)
            .join(Product, Product.id == OrderItem.product_id)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.status.in_(list(statuses)), ACTIVE)
            .order_by(Order.id, OrderItem.id)
        )
        return [tuple(row) for row in self.session.execute(stmt)]

    def customer_purchases(
        self, customer_id: int, statuses: Iterable[OrderStatus]
    ) -> List[Tuple[str, int, datetime]]:
        """(sku, number of orders, last order time) of one customer's purchases."""
        stmt = (
            select(Product.sku, func.count(distinct(Order.id)), func.max(Order.placed_at))
            .join(OrderItem, OrderItem.order_id == Order.id)
            .join(Product, Product.id == OrderItem.product_id)
            .where(Order.customer_id == customer_id, Order.status.in_(list(statuses)))
            .group_by(Product.sku)
        )
        return [(str(sku), int(n), last) for sku, n, last in self.session.execute(stmt)]

    def products_by_skus(self, skus: Sequence[str]) -> Dict[str, Any]:
        """Light rows (sku, name_en, name_zh, price, category, stock, active) by SKU; a
        column query, not ORM objects (it runs on every recommendation)."""
        found: Dict[str, Any] = {}
        unique = list(dict.fromkeys(skus))
        columns = (
            Product.sku,
            Product.name_en,
            Product.name_zh,
            Product.price,
            Product.category,
            Product.stock,
            Product.active,
        )
        for start in range(0, len(unique), CHUNK):
            stmt = select(*columns).where(Product.sku.in_(unique[start : start + CHUNK]))
            for row in self.session.execute(stmt):
                found[str(row.sku)] = row
        return found

    def best_sellers(
        self,
        statuses: Iterable[OrderStatus],
        since: Optional[datetime],
        limit: int,
        category: Optional[str] = None,
    ) -> List[str]:
        """SKUs of active, in-stock products by distinct buyers (since ``since``)."""
        buyers = func.count(distinct(Order.customer_id))
        stmt = (
            select(Product.sku)
            .join(OrderItem, OrderItem.product_id == Product.id)
            .join(Order, Order.id == OrderItem.order_id)
            .where(
                Order.status.in_(list(statuses)),
                Product.active.is_(True),
                Product.stock > 0,
            )
            .group_by(Product.sku)
            .order_by(buyers.desc(), Product.sku)
            .limit(limit)
        )
        if since is not None:
            stmt = stmt.where(Order.placed_at >= since)
        if category is not None:
            stmt = stmt.where(Product.category == category)
        return [str(sku) for sku in self.session.execute(stmt).scalars()]

    def customers(self, before: datetime) -> List[Tuple[int, datetime]]:
        """(id, created_at) of active customers created before ``before``."""
        stmt = (
            select(Customer.id, Customer.created_at)
            .where(ACTIVE, Customer.created_at < before)
            .order_by(Customer.id)
        )
        return [(int(i), created) for i, created in self.session.execute(stmt)]

    def order_stats(
        self,
        statuses: Iterable[OrderStatus],
        before: datetime,
        since: Optional[datetime] = None,
    ) -> List[Tuple[int, int, float, datetime, datetime]]:
        """Per customer: orders, total value, first and last order in [since, before)."""
        stmt = (
            select(
                Order.customer_id,
                func.count(Order.id),
                func.sum(Order.total),
                func.min(Order.placed_at),
                func.max(Order.placed_at),
            )
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.status.in_(list(statuses)), Order.placed_at < before, ACTIVE)
            .group_by(Order.customer_id)
        )
        if since is not None:
            stmt = stmt.where(Order.placed_at >= since)
        return [
            (int(c), int(n), float(total or 0), first, last)
            for c, n, total, first, last in self.session.execute(stmt)
        ]

    def orders_between(
        self, statuses: Iterable[OrderStatus], start: datetime, end: datetime
    ) -> Set[int]:
        """Customers with an order in ``[start, end)``."""
        stmt = select(distinct(Order.customer_id)).where(
            Order.status.in_(list(statuses)), Order.placed_at >= start, Order.placed_at < end
        )
        return {int(c) for c in self.session.execute(stmt).scalars()}

    def return_counts(self, before: datetime) -> Dict[int, int]:
        stmt = (
            select(Order.customer_id, func.count(Return.id))
            .join(Order, Order.id == Return.order_id)
            .where(Return.created_at < before)
            .group_by(Order.customer_id)
        )
        return {int(c): int(n) for c, n in self.session.execute(stmt)}

    def ticket_counts(self, before: datetime) -> Dict[int, Tuple[int, int]]:
        """Per customer: (tickets, complaints) opened before ``before``."""
        complaint = func.sum(case((Ticket.kind == TicketKind.COMPLAINT, 1), else_=0))
        stmt = (
            select(Ticket.customer_id, func.count(Ticket.id), complaint)
            .where(Ticket.customer_id.is_not(None), Ticket.created_at < before)
            .group_by(Ticket.customer_id)
        )
        return {int(c): (int(n), int(k or 0)) for c, n, k in self.session.execute(stmt)}

    def conversation_stats(
        self, before: datetime, negative_below: float, failed_outcomes: Sequence[str]
    ) -> Dict[int, Tuple[int, int, int, Optional[float]]]:
        """Per customer: (conversations, negative, failed, mean sentiment) started before."""
        negative = func.sum(case((Interaction.sentiment_avg <= negative_below, 1), else_=0))
        failed = func.sum(case((Interaction.outcome.in_(list(failed_outcomes)), 1), else_=0))
        stmt = (
            select(
                Interaction.customer_id,
                func.count(Interaction.id),
                negative,
                failed,
                func.avg(Interaction.sentiment_avg),
            )
            .where(Interaction.customer_id.is_not(None), Interaction.started_at < before)
            .group_by(Interaction.customer_id)
        )
        return {
            int(c): (int(n), int(neg or 0), int(f or 0), None if avg is None else float(avg))
            for c, n, neg, f, avg in self.session.execute(stmt)
        }
