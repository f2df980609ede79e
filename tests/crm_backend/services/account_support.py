"""Helpers for the account & feedback service tests: customers and outbox reads."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, List, Optional

from sqlalchemy import select

from crm_backend.models import (
    AuditLog,
    Customer,
    Language,
    Order,
    OrderItem,
    OrderStatus,
    OutboxMessage,
    Product,
)
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


def add_customer(
    uow_factory: UowFactory,
    email: str = "alice@example.com",
    name: str = "Alice Smith",
    *,
    language: Language = Language.EN,
    newsletter: bool = False,
    active: bool = True,
    phone: Optional[str] = "+44 7700 900123",
) -> int:
    with uow_factory() as uow:
        customer = Customer(
            name=name,
            email=email,
            phone=phone,
            preferred_language=language,
            newsletter=newsletter,
            anonymised=not active,
        )
        uow.customers.add(customer)
        uow.flush()
        uow.commit()
        return int(customer.id)


def outbox(uow_factory: UowFactory, template: Optional[str] = None) -> List[OutboxMessage]:
    with uow_factory() as uow:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if template is not None:
            stmt = stmt.where(OutboxMessage.template == template)
        rows = list(uow.session.execute(stmt).scalars())
        uow.session.expunge_all()  # readable after the unit of work closes
        return rows


def audit(uow_factory: UowFactory, action_prefix: str = "") -> List[AuditLog]:
    with uow_factory() as uow:
        rows = list(uow.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars())
        uow.session.expunge_all()
        return [row for row in rows if row.action.startswith(action_prefix)]


def code_in(message: OutboxMessage) -> str:
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, "the e-mail carries the code"
    return match.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def add_order(uow_factory: UowFactory, customer_id: int, number: str, skus: List[str]) -> int:
    """An order of ``customer_id`` with one item per SKU (products created as needed)."""
    with uow_factory() as uow:
        order = Order(order_number=number, customer_id=customer_id, status=OrderStatus.DELIVERED)
        for sku in skus:
            product = uow.products.get_by_sku(sku) or Product(
                sku=sku, name_en=f"Item {sku}", category="home", price=Decimal("4.95")
            )
            order.items.append(OrderItem(product=product, quantity=1, unit_price=Decimal("4.95")))
        uow.orders.add(order)
        uow.flush()
        uow.commit()
        return int(order.id)
