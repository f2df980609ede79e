"""`refresh`: CLTV + RFM + segment for every customer into customer_scores (SQLite and
PostgreSQL), versioned model files, churn fields left alone, and the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import joblib
from sqlalchemy import func, select

from crm_backend.importer import import_file
from crm_backend.ml.cltv import customer_cltv
from crm_backend.ml.segment_model import NO_ORDERS, PROTOTYPES
from crm_backend.ml.segmentation import main, refresh
from crm_backend.models import Customer, CustomerScore, Interaction, Order

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "import" / "online_retail_sample.csv"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def imported(uow_factory, tmp_path):
    import_file(uow_factory(), SAMPLE, report_dir=tmp_path / "r", now=NOW, seed=1)
    with uow_factory() as uow:
        uow.session.add(Customer(name="Prospect", email="prospect@example.com"))
        alice = uow.customers.get_by_external_ref("17850")
        for i, sentiment in enumerate((-0.5, 0.1)):
            uow.session.add(
                Interaction(
                    conversation_id=f"c{i}",
                    customer_id=alice.id,
                    sentiment_avg=sentiment,
                    started_at=NOW - timedelta(days=i),
                )
            )
        uow.commit()
        return alice.id


def test_refresh_scores_every_customer_and_saves_a_versioned_model(uow_factory, tmp_path):
    alice_id = imported(uow_factory, tmp_path)
    result = refresh(uow_factory(), model_dir=tmp_path / "models", now=NOW)
    with uow_factory() as uow:
        newest = uow.session.execute(select(func.max(Order.placed_at))).scalar()
    day_after = (newest + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert result.as_of == day_after  # RFM snapshot: midnight after the last order's day
    assert result.customers_scored == 23 and result.customers_segmented == 22
    assert 2 <= result.k <= 8 and -1 <= result.silhouette <= 1
    assert set(result.segment_counts) <= set(PROTOTYPES) | {NO_ORDERS}
    assert result.segment_counts[NO_ORDERS] == 1
    with uow_factory() as uow:
        assert uow.session.execute(select(func.count()).select_from(CustomerScore)).scalar() == 23
        score = uow.scores.get(alice_id)
        orders = [o for o in uow.orders.list_for_customer(alice_id)]
        monetary = sum(o.total for o in orders)
        first = min(o.placed_at for o in orders)
        assert score.rfm_frequency == len(orders) == 3
        assert score.rfm_monetary == monetary
        assert score.rfm_recency_days == (result.as_of - max(o.placed_at for o in orders)).days
        assert score.cltv == customer_cltv(float(monetary), first, result.as_of)
        assert score.cltv_horizon_years == 2 and score.segment in PROTOTYPES
        assert score.segment_model_version == result.version
        assert score.sentiment_avg == -0.2
        prospect = uow.customers.get_by_email("prospect@example.com")
        empty = uow.scores.get(prospect.id)
        assert (empty.segment, empty.rfm_frequency, empty.rfm_recency_days) == (NO_ORDERS, 0, None)
        assert empty.cltv == 0
    folder = tmp_path / "models" / "ml" / "segmentation"
    assert (folder / "LATEST").read_text().strip() == result.version
    metadata = json.loads((folder / result.version / "metadata.json").read_text())
    assert metadata["k"] == result.k and len(metadata["data_fingerprint"]) == 64
    assert set(metadata["silhouette_by_k"]) == {str(k) for k in range(2, 9)}
    assert {"scikit-learn", "numpy", "pandas"} <= set(metadata["libraries"])
    model = joblib.load(folder / result.version / "model.joblib")
    assert set(model["names"].values()) == set(result.segment_counts) - {NO_ORDERS}


def test_refresh_keeps_churn_fields_and_is_repeatable(uow_factory, tmp_path):
    alice_id = imported(uow_factory, tmp_path)
    first = refresh(uow_factory(), model_dir=tmp_path / "m", now=NOW)
    with uow_factory() as uow:
        uow.scores.upsert(alice_id, churn_score=0.7, churn_band="high", churn_reasons=["r"])
        uow.commit()
    second = refresh(uow_factory(), model_dir=tmp_path / "m", now=NOW + timedelta(hours=1))
    assert second.segment_counts == first.segment_counts and second.k == first.k
    assert second.version != first.version and second.version.endswith(first.version[-8:])
    with uow_factory() as uow:
        score = uow.scores.get(alice_id)
        assert (score.churn_score, score.churn_band, score.churn_reasons) == (0.7, "high", ["r"])
        assert score.segment_model_version == second.version


def test_refresh_without_enough_customers_still_scores_cltv(uow_factory, tmp_path):
    with uow_factory() as uow:
        customer = Customer(name="Solo", email="solo@example.com")
        uow.session.add(
            Order(
                order_number="A0001",
                customer=customer,
                status="delivered",
                total=50,
                placed_at=NOW - timedelta(days=3),
            )
        )
        uow.commit()
        cid = customer.id
    result = refresh(uow_factory(), model_dir=tmp_path / "m", now=NOW)
    assert result.k == 0 and result.model_path is None and result.customers_scored == 1
    with uow_factory() as uow:
        score = uow.scores.get(cid)
        assert score.segment is None and score.cltv > 0 and score.rfm_frequency == 1


def test_cli_refresh_with_plot(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    from crm_backend.importer.__main__ import main as import_main

    assert (
        import_main(
            [
                "csv",
                str(SAMPLE),
                "--database-url",
                url,
                "--report-dir",
                str(tmp_path / "r"),
                "--no-progress",
            ]
        )
        == 0
    )
    plot = tmp_path / "rfm.png"
    args = [
        "refresh",
        "--database-url",
        url,
        "--model-dir",
        str(tmp_path / "m"),
        "--plot",
        str(plot),
        "--no-progress",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "scored 22 customers" in out and "silhouette=" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert main([*args, "--k", "3"]) == 0
    assert "k=3" in capsys.readouterr().out
    assert main([*args, "--k", "3", "--if-changed"]) == 0
    assert "segments up to date" in capsys.readouterr().out


def test_skip_if_unchanged_only_when_inputs_and_scores_match(uow_factory, tmp_path):
    imported(uow_factory, tmp_path)
    models = tmp_path / "m"
    first = refresh(uow_factory(), model_dir=models, now=NOW, skip_if_unchanged=True)
    assert not first.unchanged
    later = NOW + timedelta(hours=1)
    same = refresh(uow_factory(), model_dir=models, now=later, skip_if_unchanged=True)
    assert same.unchanged and same.version == first.version
    assert same.segment_counts == first.segment_counts and same.k == first.k
    with uow_factory() as uow:  # a new customer: inputs changed
        uow.session.add(Customer(name="New", email="new@example.com"))
        uow.commit()
    changed = refresh(uow_factory(), model_dir=models, now=later, skip_if_unchanged=True)
    assert not changed.unchanged and changed.customers_scored == first.customers_scored + 1
    with uow_factory() as uow:  # scores wiped (e.g. a fresh database, same model dir)
        uow.session.query(CustomerScore).delete()
        uow.commit()
    redone = refresh(uow_factory(), model_dir=models, now=later, skip_if_unchanged=True)
    assert not redone.unchanged
