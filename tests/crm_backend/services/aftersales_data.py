"""Small, explicit after-sales fixture data for service tests that write (on ``uow_factory``).

Two customers and orders in every state that matters for returns, each with its payment and
invoice, dated relative to ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Tuple

from crm_backend.models import (
    Address,
    Customer,
    Invoice,
    Language,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
)
from crm_backend.services.access import Identity, parse_identity
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

D = timedelta(days=1)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
EMMA = "emma@example.com"
EMMA_PHONE = "+44 7700 900555"
LI = "li.na@example.cn"
LI_PHONE = "+86 138 0013 8111"


@dataclass(frozen=True)
class Shop:
    now: datetime
    emma_id: int
    li_id: int

    @property
    def emma(self) -> Identity:
        return parse_identity(EMMA)

    @property
    def li(self) -> Identity:
        return parse_identity(LI)


# number -> (customer, status, delivered/cancelled days ago, lines [(sku, qty)])
ORDERS: Dict[str, Tuple[str, OrderStatus, Optional[int], List[Tuple[str, int]]]] = {
    "B1001": ("emma", OrderStatus.DELIVERED, 5, [("MUG1", 2), ("LAMP2", 1)]),
    "B1002": ("emma", OrderStatus.SHIPPED, None, [("MUG1", 1)]),
    "B1003": ("emma", OrderStatus.DELIVERED, 31, [("MUG1", 1)]),
    "B1004": ("emma", OrderStatus.PENDING, None, [("LAMP2", 1)]),
    "B1005": ("emma", OrderStatus.CANCELLED, None, [("MUG1", 1)]),
    "B1006": ("emma", OrderStatus.PAID, None, [("MUG1", 3)]),
    "B2001": ("li", OrderStatus.DELIVERED, 2, [("MUG1", 1), ("LAMP2", 2)]),
}


def make_shop(uow_factory: Callable[[], SqlAlchemyUnitOfWork], now: datetime = NOW) -> Shop:
    with uow_factory() as uow:
        session = uow.session
        products = {
            "MUG1": Product(
                sku="MUG1",
                name_en="Stoneware mug",
                name_zh="粗陶马克杯",
                category="kitchen",
                price=Decimal("2.50"),
                stock=10,
            ),
            "LAMP2": Product(
                sku="LAMP2",
                name_en="Oak desk lamp",
                name_zh="橡木台灯",
                category="home",
                price=Decimal("4.00"),
                stock=10,
            ),
        }
        emma = Customer(
            name="Emma Stone",
            email=EMMA,
            phone=EMMA_PHONE,
            preferred_language=Language.EN,
            country="GB",
        )
        emma.addresses.append(
            Address(
                line1="5 Test Lane", city="Leeds", postcode="LS1 1AA", country="GB", is_default=True
            )
        )
        li = Customer(
            name="李娜", email=LI, phone=LI_PHONE, preferred_language=Language.ZH, country="CN"
        )
        session.add_all([*products.values(), emma, li])
        people = {"emma": emma, "li": li}
        for number, (who, status, days_ago, lines) in ORDERS.items():
            session.add(_order(number, people[who], status, days_ago, lines, products, now))
        session.flush()
        shop = Shop(now=now, emma_id=emma.id, li_id=li.id)
        uow.commit()
    return shop


def _order(
    number: str,
    customer: Customer,
    status: OrderStatus,
    days_ago: Optional[int],
    lines: List[Tuple[str, int]],
    products: Dict[str, Product],
    now: datetime,
) -> Order:
    total = sum((products[sku].price * qty for sku, qty in lines), Decimal("0"))
    placed = now - ((days_ago or 0) + 3) * D
    order = Order(
        order_number=number,
        customer=customer,
        status=status,
        placed_at=placed,
        currency="GBP",
        total=total,
        ship_name=customer.name,
        ship_line1="5 Test Lane",
        ship_city="Leeds",
        ship_postcode="LS1 1AA",
        ship_country="GB",
    )
    if status is not OrderStatus.PENDING:
        order.paid_at = placed + timedelta(minutes=5)
        order.invoices.append(
            Invoice(invoice_number=f"INV-{number}", issued_at=order.paid_at, amount=total)
        )
    if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order.shipped_at = placed + D
        order.carrier, order.tracking_number = "DHL", f"99{number[1:]}"
        order.estimated_delivery = now + 2 * D
    if status is OrderStatus.DELIVERED:
        order.delivered_at = now - (days_ago or 0) * D
    if status is OrderStatus.CANCELLED:
        order.cancelled_at = placed + D
    for sku, qty in lines:
        order.items.append(
            OrderItem(product=products[sku], quantity=qty, unit_price=products[sku].price)
        )
    pay_status = (
        PaymentStatus.PENDING
        if status is OrderStatus.PENDING
        else (
            PaymentStatus.REFUNDED if status is OrderStatus.CANCELLED else PaymentStatus.SUCCEEDED
        )
    )
    order.payments.append(
        Payment(
            method=PaymentMethod.CARD,
            amount=total,
            status=pay_status,
            reference=f"PAY-{number}",
            created_at=placed,
        )
    )
    return order
