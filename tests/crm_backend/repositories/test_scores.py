"""uow.scores: get / upsert / bulk_upsert of customer_scores, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from crm_backend.models import Customer, CustomerScore


def make_customers(uow_factory, n=3):
    with uow_factory() as uow:
        customers = [Customer(name=f"C{i}", email=f"c{i}@example.com") for i in range(n)]
        uow.session.add_all(customers)
        uow.commit()
        return [c.id for c in customers]


def test_upsert_creates_then_updates_only_given_fields(uow_factory):
    cid = make_customers(uow_factory, 1)[0]
    with uow_factory() as uow:
        assert uow.scores.get(cid) is None
        uow.scores.upsert(cid, cltv=Decimal("190.48"), segment="Champions", rfm_frequency=4)
        uow.commit()
    with uow_factory() as uow:
        row = uow.scores.upsert(
            cid,
            churn_score=0.82,
            churn_band="high",
            churn_reasons=["no order for 120 days"],
            churn_model_version="churn-v1",
        )
        uow.commit()
    with uow_factory() as uow:
        row = uow.scores.get(cid)
        assert row.cltv == Decimal("190.48") and row.segment == "Champions"
        assert row.churn_score == pytest.approx(0.82) and row.churn_band == "high"
        assert row.churn_reasons == ["no order for 120 days"]
        assert row.updated_at.tzinfo is not None
    with uow_factory() as uow, pytest.raises(ValueError, match="unknown"):
        uow.scores.upsert(cid, churn=1)


def test_bulk_upsert_mixes_inserts_and_partial_updates(uow_factory):
    a, b, c = make_customers(uow_factory, 3)
    with uow_factory() as uow:
        uow.scores.upsert(a, churn_score=0.1, churn_band="low")
        uow.commit()
    with uow_factory() as uow:
        written = uow.scores.bulk_upsert(
            [
                {"customer_id": a, "cltv": Decimal("10.00"), "segment": "New"},
                {"customer_id": b, "cltv": 20.5, "segment": "Loyal", "sentiment_avg": -0.2},
                {"customer_id": c, "churn_score": 0.9, "churn_reasons": {"top": ["recency"]}},
            ]
        )
        assert written == 3
        uow.commit()
    with uow_factory() as uow:
        rows = uow.scores.get_many([a, b, c, 999999])
        assert set(rows) == {a, b, c}
        assert (rows[a].segment, rows[a].churn_band, rows[a].churn_score) == ("New", "low", 0.1)
        assert rows[b].cltv == Decimal("20.50") and rows[b].churn_score is None
        assert rows[c].segment is None and rows[c].churn_reasons == {"top": ["recency"]}
        assert uow.scores.segment_counts() == {"New": 1, "Loyal": 1}
    with uow_factory() as uow, pytest.raises(ValueError):
        uow.scores.bulk_upsert([{"segment": "x"}])


def test_constraints_and_cascade(uow_factory):
    cid = make_customers(uow_factory, 1)[0]
    with uow_factory() as uow:
        uow.scores.upsert(cid, churn_score=1.5)
        with pytest.raises(IntegrityError):
            uow.flush()
    with uow_factory() as uow:
        uow.scores.upsert(cid, segment="New")
        uow.commit()
    with uow_factory() as uow:
        uow.session.delete(uow.customers.get(cid))
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get(CustomerScore, cid) is None
