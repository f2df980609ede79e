"""python -m crm_backend.seed: demo records, idempotence and determinism."""

from __future__ import annotations

import csv
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from crm_backend.db import make_engine
from crm_backend.models import (
    Customer,
    Order,
    OrderStatus,
    Product,
    RefundStatus,
    ReturnStatus,
    StaffUser,
    Ticket,
    metadata,
)
from crm_backend.seed import seed
from crm_backend.seed.catalogue import CATEGORIES, PRODUCTS_CSV
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork


def _dump(url: str) -> Dict[str, List[Any]]:
    """Every row of every table, ordered by primary key (password hashes excluded)."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            dump = {}
            for table in metadata.sorted_tables:
                cols = [c for c in table.columns if c.name != "password_hash"]
                rows = conn.execute(select(*cols).order_by(*table.primary_key.columns))
                dump[table.name] = [tuple(row) for row in rows]
            return dump
    finally:
        engine.dispose()


def test_demo_records(seeded_session_factory, seed_now: datetime) -> None:
    with SqlAlchemyUnitOfWork(seeded_session_factory) as uow:
        alice = uow.customers.get_by_email("alice@example.com")
        wang = uow.customers.get_by_email("wangfang@example.cn")
        assert alice is not None and wang is not None
        assert (alice.name, alice.phone, str(alice.preferred_language)) == (
            "Alice Smith",
            "+44 7700 900123",
            "en",
        )
        assert (wang.name, wang.phone, str(wang.preferred_language)) == (
            "王芳",
            "+86 138 0013 8000",
            "zh",
        )
        expected = {
            "A1001": (alice, OrderStatus.SHIPPED),
            "A1002": (wang, OrderStatus.SHIPPED),
            "A1003": (alice, OrderStatus.PENDING),
            "A1004": (alice, OrderStatus.PAID),
            "A1005": (wang, OrderStatus.DELIVERED),
            "A1006": (wang, OrderStatus.CANCELLED),
            "A1007": (alice, OrderStatus.RETURNED),
        }
        for number, (customer, status) in expected.items():
            order = uow.orders.get_by_number(number)
            assert order is not None and order.customer_id == customer.id
            assert order.status is status and order.items
        a1001 = uow.orders.get_by_number("A1001")
        assert a1001 is not None and a1001.shipped_at == seed_now - timedelta(days=2)
        a1007 = uow.orders.get_by_number("A1007")
        assert a1007 is not None
        (ret,) = uow.returns.list_for_order(a1007.id)
        assert ret.status is ReturnStatus.REFUNDED
        assert [r.status for r in ret.refunds] == [RefundStatus.PROCESSED]
        assert ret.refunds[0].amount == a1007.total


def test_catalogue_customers_orders_staff(seeded_session_factory) -> None:
    with SqlAlchemyUnitOfWork(seeded_session_factory) as uow:
        session = uow.session
        products = list(session.execute(select(Product)).scalars())
        assert 55 <= len(products) <= 70
        assert all(p.name_zh and p.category in CATEGORIES for p in products)
        customers = list(session.execute(select(Customer)).scalars())
        zh = [c for c in customers if str(c.preferred_language) == "zh"]
        assert 35 <= len(customers) <= 45 and len(customers) / 4 < len(zh) < len(customers) / 2
        assert all(c.addresses for c in customers)
        statuses = dict(
            session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        )
        assert set(statuses) == set(OrderStatus)
        numbers = session.execute(select(Order.order_number)).scalars().all()
        generated = [n for n in numbers if n not in {f"A100{i}" for i in range(1, 8)}]
        assert generated and all(int(n[1:]) >= 1100 for n in generated)
        carriers = set(session.execute(select(Order.carrier).distinct()).scalars()) - {None}
        assert {"DHL", "Royal Mail", "SF Express"} <= carriers
        assert session.execute(select(func.count(Ticket.id))).scalar_one() >= 3
        hasher = PasswordHasher()
        agent = uow.staff.get_by_username("agent")
        admin = uow.staff.get_by_username("admin")
        assert isinstance(agent, StaffUser) and isinstance(admin, StaffUser)
        assert (agent.display_name, str(agent.role), str(admin.role)) == (
            "Sam (Support)",
            "agent",
            "admin",
        )
        assert hasher.verify(agent.password_hash, "agent123")
        assert hasher.verify(admin.password_hash, "admin123")


def test_seed_is_idempotent(seeded_url: str) -> None:
    before = _dump(seeded_url)
    started = time.perf_counter()
    assert seed(seeded_url) is False
    assert time.perf_counter() - started < 2
    assert _dump(seeded_url) == before


def test_seed_is_deterministic(database_factory, seed_now: datetime) -> None:
    first = database_factory.migrated("det_a")
    second = database_factory.migrated("det_b")
    assert seed(first, now=seed_now) is True
    assert seed(second, now=seed_now) is True
    assert _dump(first) == _dump(second)


def test_catalogue_csv_ships_with_attribution() -> None:
    rows = list(csv.DictReader(PRODUCTS_CSV.open(encoding="utf-8")))
    assert len(rows) >= 60
    assert list(rows[0]) == ["sku", "name_en", "name_zh", "category", "price", "description"]
    assert len({r["sku"] for r in rows}) == len(rows)
    attribution = (Path(PRODUCTS_CSV).parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in attribution and "Online Retail" in attribution
