"""customer_recommendations (the 360 panel's recommended products) on SQLite and
PostgreSQL: the bot's recommender, best sellers on a cold start, and a failing recommender
that degrades to "no recommendations" instead of breaking the 360."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_backend.services import customer360, recommendations
from crm_backend.services.customer360 import WHY, customer_360, customer_recommendations
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

REASONS = set(WHY.values())


@pytest.fixture
def seeded_uow(seeded_session_factory):
    return lambda: SqlAlchemyUnitOfWork(seeded_session_factory)


def customer_id(seeded_uow, email):
    with seeded_uow() as uow:
        return uow.customers.get_by_email(email).id


def test_recommendations_for_a_customer_with_a_history(seeded_uow):
    alice = customer_id(seeded_uow, "alice@example.com")
    panel = customer_recommendations(seeded_uow(), alice)
    assert panel.available and 1 <= len(panel.products) <= customer360.MAX_RECOMMENDATIONS
    for product in panel.products:
        assert product.name and product.sku and isinstance(product.price, Decimal)
        assert product.why in REASONS, product.why
    assert len({p.sku for p in panel.products}) == len(panel.products)
    assert customer_360(seeded_uow(), alice).recommendations is None  # 8 queries, no more


def test_unknown_customer_gets_none_and_a_failing_recommender_is_contained(
    seeded_uow, monkeypatch, caplog
):
    assert customer_recommendations(seeded_uow(), 999_999).products == ()

    def broken(*args, **kwargs):
        raise RuntimeError("model file is corrupt")

    monkeypatch.setattr(recommendations, "recommend_for_customer", broken)
    alice = customer_id(seeded_uow, "alice@example.com")
    panel = customer_recommendations(seeded_uow(), alice)
    assert (panel.products, panel.available) == ((), False)
    assert "recommendations failed" in caplog.text and "corrupt" in caplog.text
