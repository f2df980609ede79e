"""``seed()``: fill an empty, migrated database with deterministic demo data, once."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Dict, List, Optional

from faker import Faker
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Customer, Order, OrderStatus, Product
from crm_backend.seed.after_sales import make_after_sales, shipping_notifications
from crm_backend.seed.catalogue import load_products
from crm_backend.seed.demo import make_demo_after_sales, make_demo_orders
from crm_backend.seed.orders import build_order, random_lines, random_timeline
from crm_backend.seed.people import make_customers, make_demo_customers, make_staff
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

SEED_VERSION = 1
MARKER_ACTION = "seed.completed"
MARKER_ENTITY = "database"
GENERATED_CUSTOMERS = 38  # + Alice and Wang Fang = 40
FIRST_GENERATED_ORDER = 1100
# every status appears; shipped/delivered are the most common, as in a real shop
STATUS_WEIGHTS = (
    (OrderStatus.PENDING, 2),
    (OrderStatus.PAID, 2),
    (OrderStatus.SHIPPED, 3),
    (OrderStatus.DELIVERED, 6),
    (OrderStatus.CANCELLED, 1),
    (OrderStatus.RETURNED, 1),
)


def _is_seeded(uow: SqlAlchemyUnitOfWork) -> bool:
    return uow.audit.exists(MARKER_ACTION, MARKER_ENTITY) or (
        uow.orders.get_by_number("A1001") is not None
    )


def _generated_orders(
    rng: random.Random, now: datetime, customers: List[Customer], products: List[Product]
) -> List[Order]:
    statuses = [s for s, weight in STATUS_WEIGHTS for _ in range(weight)]
    plan = []
    for customer in customers:
        for _ in range(rng.randint(1, 4)):
            plan.append((customer, rng.choice(statuses)))
    for i, status in enumerate(s for s, _ in STATUS_WEIGHTS):  # guarantee every status
        plan[i] = (plan[i][0], status)
    timed = [(random_timeline(rng, status, now), customer, status) for customer, status in plan]
    timed.sort(key=lambda t: t[0].placed_at)  # order numbers grow with time
    return [
        build_order(
            number=f"A{FIRST_GENERATED_ORDER + i}",
            customer=customer,
            status=status,
            timeline=timeline,
            lines=random_lines(rng, products),
            rng=rng,
            shipping_method=rng.choice(("standard", "standard", "express")),
        )
        for i, (timeline, customer, status) in enumerate(timed)
    ]


def _populate(uow: SqlAlchemyUnitOfWork, seed_value: int, now: datetime) -> Dict[str, int]:
    rng = random.Random(seed_value)
    fake_en, fake_zh = Faker("en_GB"), Faker("zh_CN")
    fake_en.seed_instance(seed_value)
    fake_zh.seed_instance(seed_value)
    session = uow.session

    staff = make_staff(now)
    products = load_products(rng, now)
    demo = make_demo_customers(now)
    customers = make_customers(rng, fake_en, fake_zh, now, GENERATED_CUSTOMERS)
    session.add_all([*staff, *products, *demo, *customers])
    by_sku = {p.sku: p for p in products}
    demo_orders = make_demo_orders(now, {"alice": demo[0], "wang": demo[1]}, by_sku, rng)
    orders = _generated_orders(rng, now, customers, products)
    session.add_all([*demo_orders.values(), *orders])
    session.add_all(make_demo_after_sales(now, demo_orders))
    session.add_all(make_after_sales(rng, now, orders, customers, staff))
    session.add_all(shipping_notifications([*demo_orders.values(), *orders]))
    counts = {
        "staff": len(staff),
        "products": len(products),
        "customers": len(demo) + len(customers),
        "orders": len(demo_orders) + len(orders),
    }
    marker = uow.audit.record(
        "system",
        MARKER_ACTION,
        MARKER_ENTITY,
        None,
        {"version": SEED_VERSION, "seed": seed_value, "now": now.isoformat(), **counts},
    )
    marker.created_at = now
    session.flush()
    return counts


def seed(
    database_url: Optional[str] = None,
    *,
    now: Optional[datetime] = None,
    seed_value: Optional[int] = None,
) -> bool:
    """Seed the (migrated) database at ``database_url`` (default: settings) in one transaction.

    Returns True if it seeded, False if the database was already seeded. Dates are relative
    to ``now`` (default: the current time); the same ``now`` and ``seed_value`` (default:
    ``settings.seed_random``) give identical data apart from password-hash salts.
    """
    settings = get_settings()
    url = database_url or settings.database_url
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    engine = make_engine(url, poolclass=NullPool)
    try:
        uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
        with uow:
            if _is_seeded(uow):
                return False
            _populate(uow, settings.seed_random if seed_value is None else seed_value, when)
            try:
                uow.commit()
            except IntegrityError:  # another process seeded concurrently
                uow.rollback()
                if _is_seeded(uow):
                    return False
                raise
        return True
    finally:
        engine.dispose()
