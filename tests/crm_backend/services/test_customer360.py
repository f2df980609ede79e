"""customer_360 and find_customers on the seeded database (read-only) and on fixture data,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import (
    Customer,
    Interaction,
    Order,
    OrderStatus,
    RetentionOffer,
)
from crm_backend.services.customer360 import MAX_ORDERS, customer_360, find_customers
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def seeded_uow(seeded_session_factory):
    return lambda: SqlAlchemyUnitOfWork(seeded_session_factory)


def customer_id(seeded_uow, email):
    with seeded_uow() as uow:
        return uow.customers.get_by_email(email).id


def test_alice_360(seeded_uow):
    view = customer_360(seeded_uow(), customer_id(seeded_uow, "alice@example.com"))
    profile = view.profile
    assert profile.name == "Alice Smith" and profile.status == "active"
    assert profile.email_masked == "a****@example.com" and "alice" not in profile.email_masked
    assert profile.phone_masked == "***123"
    assert (profile.language, profile.country, profile.marketing_consent) == ("en", "GB", True)
    assert [a.city for a in profile.addresses] == ["London"]
    assert [o.number for o in view.orders] == ["A1003", "A1004", "A1001", "A1007"]
    a1001 = next(o for o in view.orders if o.number == "A1001")
    assert (a1001.status, a1001.carrier, a1001.tracking_number) == ("shipped", "DHL", "4829105736")
    assert a1001.total == Decimal("18.65")
    totals = view.totals
    assert totals.orders == 4 and totals.spend == Decimal("26.97")  # A1001 + A1004 (paid/shipped)
    assert totals.orders_by_status == {"paid": 1, "pending": 1, "returned": 1, "shipped": 1}
    assert totals.average_order_value == Decimal("13.49")
    assert [(t.kind, t.status, t.order_number) for t in view.tickets] == [
        ("complaint", "resolved", "A1007")
    ]
    assert view.tickets[0].reference.startswith("T-")
    assert (totals.tickets, totals.open_tickets) == (1, 0)
    assert view.scores is None and view.sentiment.direction == "unknown"


def test_wang_fang_360(seeded_uow):
    view = customer_360(seeded_uow(), customer_id(seeded_uow, "wangfang@example.cn"))
    assert view.profile.name == "王芳" and view.profile.language == "zh"
    assert {o.number for o in view.orders} == {"A1002", "A1005", "A1006"}
    assert view.totals.orders_by_status["cancelled"] == 1
    escalation = view.tickets[0]
    assert (escalation.kind, escalation.status, escalation.priority) == (
        "escalation",
        "open",
        "high",
    )
    assert escalation.order_number == "A1002" and view.totals.open_tickets == 1


def test_conversations_and_offers_from_the_seed(seeded_uow):
    with seeded_uow() as uow:
        talker = (
            uow.session.execute(
                select(Interaction.customer_id).where(Interaction.sentiment_avg.is_not(None))
            )
            .scalars()
            .first()
        )
        offered = uow.session.execute(select(RetentionOffer.customer_id)).scalars().first()
    view = customer_360(seeded_uow(), talker)
    assert view.interactions and view.totals.conversations == len(view.interactions)
    assert view.interactions[0].handoff is True
    assert view.sentiment.points and view.sentiment.average is not None
    offers = customer_360(seeded_uow(), offered).offers
    assert offers and offers[0].status in {"offered", "accepted"}


def test_unknown_and_invalid_ids(seeded_uow):
    with pytest.raises(NotFound):
        customer_360(seeded_uow(), 10**9)
    for bad in (0, -1, True, "1", None, 1.5):
        with pytest.raises(ValidationError):
            customer_360(seeded_uow(), bad)  # type: ignore[arg-type]


def make_history(uow_factory, *, orders=0, sentiments=(), anonymised=False):
    with uow_factory() as uow:
        customer = Customer(
            name="Zoë Example",
            email="zoe@example.com",
            phone="+44 113 496 0999",
            anonymised=anonymised,
        )
        for i in range(orders):
            uow.session.add(
                Order(
                    order_number=f"R{100000 + i}",
                    customer=customer,
                    total=Decimal("10.00"),
                    status=OrderStatus.DELIVERED,
                    placed_at=NOW - timedelta(days=orders - i),
                )
            )
        for i, mood in enumerate(sentiments):
            uow.session.add(
                Interaction(
                    conversation_id=f"zoe-{i}",
                    customer=customer,
                    sentiment_avg=mood,
                    started_at=NOW - timedelta(days=len(sentiments) - i),
                )
            )
        uow.session.add(customer)
        uow.commit()
        return customer.id


def test_bounded_lists_constant_query_count_and_totals(uow_factory, engine):
    many = make_history(uow_factory, orders=60, sentiments=(-0.6, -0.5, 0.3, 0.4))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        view = customer_360(uow_factory(), many)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 8, statements
    assert len(view.orders) == MAX_ORDERS and view.orders[0].number == "R100059"
    assert view.totals.orders == 60 and view.totals.spend == Decimal("600.00")
    assert view.totals.first_order_at == NOW - timedelta(days=60)
    trend = view.sentiment
    assert [p.sentiment for p in trend.points] == [-0.6, -0.5, 0.3, 0.4]  # oldest first
    assert trend.direction == "improving" and trend.average == -0.1
    assert [i.conversation_id for i in view.interactions][:2] == ["zoe-3", "zoe-2"]


def test_scores_and_churn_reasons_are_shown(uow_factory):
    cid = make_history(uow_factory, orders=1, sentiments=(0.2, -0.7))
    with uow_factory() as uow:
        uow.scores.upsert(
            cid,
            cltv=Decimal("185.94"),
            cltv_horizon_years=2,
            segment="At risk",
            churn_score=0.81,
            churn_band="high",
            churn_model_version="churn-v1",
            churn_reasons=[{"feature": "no order for 90 days"}, "sentiment fell"],
        )
        uow.commit()
    view = customer_360(uow_factory(), cid)
    assert view.scores.cltv == Decimal("185.94") and view.scores.segment == "At risk"
    assert view.scores.churn_band == "high" and view.scores.churn_score == pytest.approx(0.81)
    assert view.scores.churn_reasons == ("no order for 90 days", "sentiment fell")
    assert view.sentiment.direction == "worsening"


def test_anonymised_customer_shows_no_personal_data(uow_factory):
    cid = make_history(uow_factory, anonymised=True)
    profile = customer_360(uow_factory(), cid).profile
    assert profile.status == "anonymised" and profile.name == "(anonymised)"
    assert profile.email_masked is None and profile.phone_masked is None


@pytest.mark.parametrize(
    ("query", "expected_name", "matched_on"),
    [
        ("alice", "Alice Smith", "name"),
        ("  ALICE@Example.COM ", "Alice Smith", "email"),
        ("+44 7700 900123", "Alice Smith", "phone"),
        ("07700 900123", "Alice Smith", "phone"),
        ("#a1002", "王芳", "order"),
        ("Ａ１００１", "Alice Smith", "order"),  # full-width, as typed with a Chinese IME
        ("王", "王芳", "name"),
        ("17850", "Alice Smith", "customer_ref"),
    ],
)
def test_find_customers(seeded_uow, query, expected_name, matched_on):
    matches = find_customers(seeded_uow(), query)
    assert matches and matches[0].name == expected_name
    assert matches[0].matched_on == matched_on
    assert matches[0].orders >= 3 and matches[0].last_order_at is not None
    assert all("@" not in m.name for m in matches)
    assert all(m.email_masked is None or "*" in m.email_masked for m in matches)


def test_find_customers_bounds_and_bad_queries(seeded_uow):
    assert find_customers(seeded_uow(), "zzzqqqxxx") == ()
    assert find_customers(seeded_uow(), "A9999") == ()
    assert len(find_customers(seeded_uow(), "example", limit=5)) == 5
    assert len(find_customers(seeded_uow(), "example", limit=10**6)) <= 50
    for bad in ("", "  ", "x", "%%", "__", "\x00\x00", "a" * 101, None, 42):
        with pytest.raises(ValidationError):
            find_customers(seeded_uow(), bad)  # type: ignore[arg-type]
