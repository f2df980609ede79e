"""Small, explicit shop data for tests of services that change orders (empty test DB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable, Dict, Optional, Sequence, Tuple

from crm_backend.models import (
    Address,
    Customer,
    Language,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
)
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # a Wednesday
ALICE = "alice@example.com"
ALICE_PHONE = "+44 7700 900123"
WANG = "wangfang@example.cn"
WANG_PHONE = "+86 138 0013 8000"

PRODUCTS = (
    # sku, name_en, name_zh, category, price, stock
    (
        "85123A",
        "White Hanging Heart T-Light Holder",
        "白色心形挂式烛台",
        "candles_lights",
        "2.95",
        10,
    ),
    ("22423", "Regency Cakestand 3 Tier", "摄政风三层蛋糕架", "kitchen", "12.75", 0),
    ("85099B", "Jumbo Bag Red Retrospot", "红色复古波点大号购物袋", "bags", "2.08", 5),
    ("22969", "Homemade Jam Scented Candles", "果酱香味蜡烛", "candles_lights", "1.45", 40),
    ("22605", "Wooden Croquet Garden Set", "木质槌球花园游戏套装", "garden", "50.00", 3),
)


@dataclass(frozen=True)
class Shop:
    make_uow: Callable[[], SqlAlchemyUnitOfWork]

    def add_order(
        self,
        number: str,
        status: OrderStatus,
        lines: Sequence[Tuple[str, int]],
        *,
        customer: str = ALICE,
        paid_at: Optional[datetime] = None,
        placed_at: Optional[datetime] = None,
        country: Optional[str] = None,
        method: str = "standard",
    ) -> None:
        with self.make_uow() as uow:
            owner = uow.customers.get_by_email(customer)
            assert owner is not None
            products: Dict[str, Product] = {p.sku: p for p in uow.products.list()}
            address = owner.addresses[0]
            order = Order(
                order_number=number,
                customer=owner,
                status=status,
                placed_at=placed_at or NOW - timedelta(hours=3),
                paid_at=paid_at,
                shipped_at=NOW - timedelta(hours=1) if status == OrderStatus.SHIPPED else None,
                shipping_method=method,
                currency="GBP",
                total=sum((products[s].price * q for s, q in lines), Decimal("0")),
                ship_name=owner.name,
                ship_line1=address.line1,
                ship_line2=address.line2,
                ship_city=address.city,
                ship_postcode=address.postcode,
                ship_country=country or address.country,
            )
            for sku, quantity in lines:
                order.items.append(
                    OrderItem(
                        product=products[sku], quantity=quantity, unit_price=products[sku].price
                    )
                )
            order.payments.append(
                Payment(
                    method=PaymentMethod.CARD,
                    amount=order.total,
                    status=PaymentStatus.SUCCEEDED if paid_at else PaymentStatus.PENDING,
                    created_at=paid_at or order.placed_at,
                )
            )
            uow.orders.add(order)
            uow.commit()

    def stock(self, sku: str) -> int:
        with self.make_uow() as uow:
            product = uow.products.get_by_sku(sku)
            assert product is not None
            return int(product.stock)


def make_shop(make_uow: Callable[[], SqlAlchemyUnitOfWork]) -> Shop:
    """Alice (en, London) and Wang Fang (zh, Beijing) and five products; no orders."""
    with make_uow() as uow:
        for sku, en, zh, category, price, stock in PRODUCTS:
            uow.products.add(
                Product(
                    sku=sku,
                    name_en=en,
                    name_zh=zh,
                    category=category,
                    price=Decimal(price),
                    stock=stock,
                    active=True,
                    description=f"{en}. A test product.",
                )
            )
        alice = Customer(
            name="Alice Smith",
            email=ALICE,
            phone=ALICE_PHONE,
            preferred_language=Language.EN,
            country="GB",
        )
        alice.addresses.append(
            Address(
                line1="12 Example Road",
                line2="Flat 3",
                city="London",
                postcode="SW1A 1AA",
                country="GB",
                is_default=True,
            )
        )
        wang = Customer(
            name="王芳", email=WANG, phone=WANG_PHONE, preferred_language=Language.ZH, country="CN"
        )
        wang.addresses.append(
            Address(
                line1="朝阳区建国路88号",
                city="北京",
                postcode="100022",
                country="CN",
                is_default=True,
            )
        )
        uow.customers.add(alice)
        uow.customers.add(wang)
        uow.commit()
    return Shop(make_uow)
