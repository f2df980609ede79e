"""Churn: calibration and reasons on synthetic data, priors, features from Online Retail-like
lines and from the CRM, and the batch refresh into customer_scores (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from crm_backend.ml import churn, churn_train, registry
from crm_backend.ml.churn_features import FEATURES, crm_features, retail_features, retail_labels
from crm_backend.ml.churn_reasons import describe
from crm_backend.models import TicketKind
from tests.crm_backend.ml.ml_support import NOW, ml_model_dir, tiny_shop  # noqa: F401


def synthetic(n: int = 3000, seed: int = 0):
    """Churn driven by recency (up) and frequency (down); 'noise' has no effect."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "recency_days": rng.exponential(60, n),
            "frequency": rng.poisson(3, n) + 1,
            "noise": rng.exponential(10, n),
        }
    )
    logit = 1.2 * (np.log1p(frame.recency_days) - 3.5) - 1.0 * (np.log1p(frame.frequency) - 1.3)
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, labels


@pytest.fixture(scope="module")
def fitted():
    frame, labels = synthetic()
    return churn.fit(frame, labels, ["recency_days", "frequency", "noise"]), frame, labels


def test_probabilities_are_calibrated(fitted):
    model, _, _ = fitted
    frame, labels = synthetic(4000, seed=1)  # fresh data
    scores = model.predict(frame)
    bins = np.digitize(scores, [0.2, 0.4, 0.6, 0.8])
    for b in np.unique(bins):
        mask = bins == b
        if mask.sum() >= 100:
            assert abs(scores[mask].mean() - labels[mask].mean()) < 0.06
    brier = np.mean((scores - labels) ** 2)
    assert brier < np.mean((labels.mean() - labels) ** 2)  # better than the base rate


def test_reasons_name_the_features_that_raise_the_risk(fitted):
    model, _, _ = fitted
    customers = pd.DataFrame(
        {"recency_days": [400.0, 2.0], "frequency": [1, 25], "noise": [10.0, 10.0]}
    )
    risky, loyal = model.reasons(customers)
    assert [r["feature"] for r in risky][:2] == ["recency_days", "frequency"] or {
        r["feature"] for r in risky[:2]} == {"recency_days", "frequency"}  # fmt: skip
    first = next(r for r in risky if r["feature"] == "recency_days")
    assert first["en"] == "No order for 400 days" and first["zh"] == "已有 400 天没有下单"
    assert first["impact"] > 0 and first["value"] == 400.0
    assert all(r["feature"] != "noise" for r in risky)
    assert loyal == []  # nothing raises a loyal customer's risk enough to mention
    contributions = model.contributions(customers)
    assert contributions.loc[0, "recency_days"] > 0 > contributions.loc[1, "recency_days"]
    scores = model.predict(customers)
    assert scores[0] > 0.6 > 0.3 > scores[1]
    assert (churn.band(scores[0]), churn.band(scores[1])) == ("high", "low")


def test_features_without_signal_get_the_documented_prior(fitted):
    _, frame, labels = fitted
    frame = frame.assign(complaints=0.0)
    frame.loc[:5, "complaints"] = 1.0  # too few rows to learn from
    model = churn.fit(frame, labels, ["recency_days", "frequency", "complaints"],
                      priors={"complaints": 0.6})  # fmt: skip
    assert model.numeric == ["recency_days", "frequency"]
    assert model.priors == {"complaints": 0.6}
    one = pd.DataFrame({"recency_days": [30.0, 30.0], "frequency": [3, 3], "complaints": [0, 3]})
    calm, angry = model.predict(one)
    expected = 1 / (1 + np.exp(-(np.log(calm / (1 - calm)) + 0.6 * np.log1p(3))))
    assert angry == pytest.approx(expected)
    reasons = model.reasons(one)[1]
    assert {"feature": "complaints", "value": 3, "impact": round(0.6 * np.log1p(3), 3),
            "en": "3 complaint(s)", "zh": "投诉 3 次"} in reasons  # fmt: skip


def test_fit_needs_both_classes():
    frame, _ = synthetic(50)
    with pytest.raises(ValueError, match="both classes"):
        churn.fit(frame, [0] * 50, ["recency_days"])


@pytest.mark.parametrize(
    "feature, value, high, en",
    [
        ("sentiment_avg", -0.42, False, "Negative tone in chats (average -0.42)"),
        ("monetary", 12.5, False, "Low total spend (£12.50)"),
        ("Contract", "Month-to-month", True, "Contract: Month-to-month"),
        ("recency_days", None, True, "recency_days: None"),
    ],
)
def test_describe(feature, value, high, en):
    assert describe(feature, value, high)[0] == en


def test_retail_features_and_labels():
    t0 = datetime(2011, 1, 1)
    lines = pd.DataFrame(
        [
            ("1", 10, t0, 5.0), ("1", 10, t0, 5.0), ("2", 10, t0 + timedelta(days=50), 20.0),
            ("3", 11, t0 + timedelta(days=10), 7.0), ("4", 11, t0 + timedelta(days=120), 1.0),
            ("5", 12, t0 + timedelta(days=95), 3.0),
        ],
        columns=["order_id", "customer_id", "placed_at", "amount"],
    )  # fmt: skip
    cancels = pd.DataFrame({"order_id": ["C9"], "customer_id": [10], "placed_at": [t0]})
    as_of = datetime(2011, 3, 2, tzinfo=timezone.utc)  # day 60
    frame = retail_features(lines, cancels, as_of)
    assert list(frame.columns) == FEATURES and sorted(frame.index) == [10, 11]
    assert frame.loc[10, "frequency"] == 2 and frame.loc[10, "monetary"] == 30.0
    assert frame.loc[10, "recency_days"] == pytest.approx(10.0)
    assert frame.loc[10, "tenure_days"] == pytest.approx(60.0)
    assert frame.loc[10, "returns"] == 1 and frame.loc[11, "returns"] == 0
    labels = retail_labels(lines, frame.index, as_of)
    assert labels.to_dict() == {10: 1, 11: 0}  # 11 buys again on day 120 (< 60 + 90)


def test_crm_features_refresh_and_reasons(uow_factory, ml_model_dir):  # noqa: F811
    shop = tiny_shop(uow_factory, names=[f"c{i}" for i in range(8)])
    for i in range(8):
        shop.order(f"c{i}", ["TEA"], 5 + 40 * i)
        if i % 2 == 0:
            shop.order(f"c{i}", ["CUP"], 2 + i)
    shop.ticket("c0", TicketKind.COMPLAINT)
    shop.ticket("c0", TicketKind.SUPPORT)
    with shop.make_uow() as uow:
        frame = crm_features(uow, NOW)
    c0, c7 = shop.customers["c0"], shop.customers["c7"]
    assert frame.loc[c0, "frequency"] == 2 and frame.loc[c0, "recency_days"] == pytest.approx(2)
    assert frame.loc[c0, "complaints"] == 1 and frame.loc[c0, "tickets"] == 2
    assert frame.loc[c7, "complaints"] == 0 and frame.loc[c7, "recency_days"] == pytest.approx(285)
    synthetic_frame, labels = synthetic(600)
    table = pd.DataFrame(0.0, index=synthetic_frame.index, columns=FEATURES)
    table[["recency_days", "frequency"]] = synthetic_frame[["recency_days", "frequency"]]
    model = churn.fit(table, labels, FEATURES, priors=churn.PRIORS)
    registry.save_model("churn", model, data_fingerprint="c" * 64, params={}, metrics={},
                        model_dir=ml_model_dir)  # fmt: skip
    written, as_of, version = churn_train.refresh(shop.make_uow, progress=False, now=NOW)
    assert written == 8 and as_of == NOW - timedelta(days=1)
    with shop.make_uow() as uow:
        rows = uow.scores.get_many(list(shop.customers.values()))
        risky, fresh = rows[c7], rows[c0]
        assert risky.churn_score > fresh.churn_score
        assert risky.churn_band in ("medium", "high") and risky.churn_model_version == version
        assert risky.churn_reasons[0]["en"] == "No order for 284 days"  # as of newest order + 1d
        assert any(r["feature"] == "complaints" and r["zh"] == "投诉 1 次"
                   for r in fresh.churn_reasons)  # fmt: skip
        assert risky.cltv is None  # other writers' columns are left alone


def test_refresh_without_a_model_names_the_command(uow_factory, ml_model_dir):  # noqa: F811
    with pytest.raises(registry.ModelNotTrained, match="churn train"):
        churn_train.refresh(uow_factory, progress=False)


def test_training_needs_history_in_the_crm(uow_factory, ml_model_dir):  # noqa: F811
    tiny_shop(uow_factory)
    with pytest.raises(ValueError, match="too little order history"):
        churn_train.train(uow_factory, "crm", ml_model_dir, now=NOW)
