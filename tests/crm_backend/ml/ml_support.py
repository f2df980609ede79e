"""Shared helpers of the ML tests: a private MODEL_DIR and a tiny shop with order history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Sequence

import pytest

from crm_backend.ml import registry
from crm_backend.models import (
    Customer,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    Ticket,
    TicketKind,
)
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
# sku, name_en, name_zh, category, price, stock
CATALOGUE = (
    ("TEA", "Tea Pot", "茶壶", "kitchen", "12.00", 10),
    ("CUP", "Tea Cup", "茶杯", "kitchen", "3.00", 10),
    ("SAUCER", "Saucer", "茶碟", "kitchen", "2.00", 10),
    ("CANDLE", "Candle", "蜡烛", "candles_lights", "4.00", 10),
    ("HOLDER", "Candle Holder", "烛台", "candles_lights", "6.00", 10),
    ("SOLDOUT", "Sold Out Lamp", "售罄台灯", "candles_lights", "30.00", 0),
    ("BAG", "Jumbo Bag", "大号购物袋", "bags", "2.50", 10),
)


@pytest.fixture
def ml_model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """MODEL_DIR pointing at an empty temporary directory (and no cached models)."""
    directory = tmp_path / "models"
    monkeypatch.setenv("MODEL_DIR", str(directory))
    get_settings.cache_clear()
    registry.clear_cache()
    yield directory
    monkeypatch.undo()
    get_settings.cache_clear()
    registry.clear_cache()


@dataclass
class TinyShop:
    make_uow: Callable[[], SqlAlchemyUnitOfWork]
    customers: Dict[str, int]
    order_seq: int = 0

    def order(
        self,
        customer: str,
        skus: Sequence[str],
        days_ago: float,
        status: OrderStatus = OrderStatus.DELIVERED,
    ) -> None:
        with self.make_uow() as uow:
            products = {sku: uow.products.get_by_sku(sku) for sku in skus}
            self.order_seq += 1
            order = Order(
                order_number=f"T{1000 + self.order_seq}",
                customer_id=self.customers[customer],
                status=status,
                placed_at=NOW - timedelta(days=days_ago),
                total=sum((products[s].price for s in skus), Decimal("0")),
            )
            for sku in skus:
                order.items.append(
                    OrderItem(product=products[sku], quantity=1, unit_price=products[sku].price)
                )
            uow.session.add(order)
            uow.commit()

    def ticket(self, customer: str, kind: TicketKind, days_ago: float = 3) -> None:
        with self.make_uow() as uow:
            uow.session.add(
                Ticket(
                    kind=kind,
                    customer_id=self.customers[customer],
                    subject="test",
                    created_at=NOW - timedelta(days=days_ago),
                )
            )
            uow.commit()


def tiny_shop(
    make_uow: Callable[[], SqlAlchemyUnitOfWork],
    names: Sequence[str] = ("ann", "bob", "cat", "dan", "eve"),
    created: Optional[datetime] = None,
) -> TinyShop:
    with make_uow() as uow:
        for sku, en, zh, category, price, stock in CATALOGUE:
            uow.products.add(
                Product(
                    sku=sku, name_en=en, name_zh=zh, category=category,
                    price=Decimal(price), stock=stock, active=True,
                )
            )  # fmt: skip
        customers = []
        for name in names:
            customer = Customer(
                name=name.title(),
                email=f"{name}@example.com",
                created_at=(created or NOW - timedelta(days=400)),
            )
            uow.customers.add(customer)
            customers.append(customer)
        uow.flush()
        ids = {c.email.split("@")[0]: int(c.id) for c in customers}
        uow.commit()
    return TinyShop(make_uow, ids)


def co_purchase_history(shop: TinyShop) -> None:
    """Tea things go together, candle things go together; bob buys both kinds."""
    shop.order("ann", ["TEA", "CUP", "SAUCER"], 30)
    shop.order("ann", ["TEA", "CUP"], 10)
    shop.order("bob", ["TEA", "CUP"], 20)
    shop.order("bob", ["CANDLE", "HOLDER"], 5)
    shop.order("cat", ["CANDLE", "HOLDER", "SOLDOUT"], 15)
    shop.order("cat", ["CANDLE", "HOLDER"], 3)
    shop.order("dan", ["TEA", "CUP", "SAUCER"], 8)
    shop.order("dan", ["CUP", "SAUCER"], 2, status=OrderStatus.CANCELLED)
