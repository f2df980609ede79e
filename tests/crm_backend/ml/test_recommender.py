"""Recommender maths on toy matrices: EASE closed form, top-k pruning, association rules,
own-history blending, popularity fallback and the fit from purchase lines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from crm_backend.ml.recommender import (
    HISTORY,
    PERSONAL,
    POPULAR,
    SIMILAR,
    TOGETHER,
    Recommender,
    association_rules,
    ease,
    keep_top_k,
)
from crm_backend.ml.recommender_train import data_fingerprint, fit

X = sp.csr_matrix(
    np.array(
        [
            [1, 1, 0, 0],
            [1, 1, 1, 0],
            [0, 1, 1, 0],
            [0, 0, 1, 1],
            [1, 0, 0, 1],
        ],
        dtype=float,
    )
)


def test_ease_matches_the_closed_form_and_its_optimality_conditions():
    lam = 2.0
    weights = ease(X, lam)
    gram = (X.T @ X).toarray()
    p = np.linalg.inv(gram + lam * np.eye(4))
    expected = np.eye(4) - p / np.diag(p)  # B = I - P diag(1/diag(P))
    assert np.allclose(weights, expected)
    assert np.allclose(np.diag(weights), 0.0)
    # KKT of min ||X - XB||^2 + lam ||B||^2 s.t. diag(B) = 0: the gradient is zero off the
    # diagonal, i.e. (G + lam I) B - G is a diagonal matrix
    residual = (gram + lam * np.eye(4)) @ weights - gram
    assert np.allclose(residual - np.diag(np.diag(residual)), 0.0)


def test_ease_prefers_co_purchased_items():
    weights = ease(X, 1.0)
    # item 0 co-occurs with item 1 twice and never with item 2
    assert weights[0, 1] > weights[0, 2]


def test_keep_top_k_keeps_the_largest_weights_per_row():
    dense = np.array([[0, 3, 1, 2], [5, 0, 4, -1], [1, 1, 0, 9], [0, 0, 0, 0]], dtype=float)
    sparse = keep_top_k(dense, 2).toarray()
    assert np.allclose(sparse[0], [0, 3, 0, 2])
    assert np.allclose(sparse[1], [5, 0, 4, 0])
    assert sparse[2, 3] == 9 and np.count_nonzero(sparse[2]) <= 2
    assert keep_top_k(dense, 10).shape == (4, 4)


def test_association_rules_support_confidence_lift():
    baskets = sp.csr_matrix(
        np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=float)
    )
    rules = association_rules(baskets, min_pair_orders=2, per_item=5)
    (b, n_ab, support, confidence, lift) = rules[0][0]
    assert (b, n_ab) == (1, 2)
    assert support == pytest.approx(2 / 5)
    assert confidence == pytest.approx(2 / 3)  # n(0,1) / n(0)
    assert lift == pytest.approx((2 / 3) / (3 / 5))  # confidence / support(1)
    assert 2 not in [r[0] for r in rules.get(0, [])]  # one co-purchase < min_pair_orders
    assert association_rules(sp.csr_matrix((0, 3)), 1, 5) == {}


def test_rules_below_lift_one_are_dropped():
    # item 1 is in every basket: knowing item 0 tells nothing (lift == 1)
    baskets = sp.csr_matrix(np.array([[1, 1], [1, 1], [0, 1]], dtype=float))
    assert association_rules(baskets, 1, 5) == {}


def model() -> Recommender:
    weights = keep_top_k(ease(X, 1.0), 3)
    rules = association_rules(X, 1, 5)
    return Recommender(
        items=["A", "B", "C", "D"],
        weights=weights,
        popularity=np.array([1, 2, 0, 3]),
        rules=rules,
        params={"history_weight": 2.0, "half_life_days": 30.0},
    )


def test_cold_start_falls_back_to_popularity():
    picks = model().recommend({}, 3)
    assert [p.item for p in picks] == ["B", "C", "A"]
    assert {p.reason for p in picks} == {POPULAR}
    unknown = model().recommend({"ZZZ": (3, 1.0)}, 2)
    assert [p.reason for p in unknown] == [POPULAR, POPULAR]


def test_own_history_and_ease_are_blended_and_recency_decays():
    recommender = model()
    picks = recommender.recommend({"A": (3, 1.0)}, 4)
    assert picks[0].item == "A" and picks[0].reason == HISTORY
    assert {p.reason for p in picks[1:]} <= {PERSONAL, POPULAR}
    _, fresh = recommender.history_vector({"A": (1, 0.0), "C": (1, 60.0)})
    assert fresh[0] == 1.0 and fresh[2] == pytest.approx(0.25)  # two half-lives
    excluded = recommender.recommend({"A": (3, 1.0)}, 2, exclude_bought=True)
    assert "A" not in [p.item for p in excluded]


def test_allowed_filters_and_top_up():
    picks = model().recommend({"A": (1, 1.0)}, 2, allowed={"D", "C"})
    assert {p.item for p in picks} <= {"C", "D"} and len(picks) == 2


def test_also_bought_uses_rules_then_similar_items():
    recommender = model()
    found = recommender.also_bought("A", 3)
    assert found[0].item == "B" and found[0].reason == TOGETHER
    assert all(p.item != "A" for p in found)
    assert recommender.also_bought("NOPE", 3) == []
    no_rules = Recommender(["A", "B", "C", "D"], recommender.weights, np.arange(4), {})
    assert {p.reason for p in no_rules.also_bought("A", 2)} == {SIMILAR}
    details = recommender.rule_details("A")
    assert details and details[0].consequent == "B" and details[0].lift > 1


def purchases() -> pd.DataFrame:
    now = datetime(2026, 1, 31, tzinfo=timezone.utc)
    rows = []
    baskets = [
        (1, ["A", "B"], 40), (1, ["A", "B", "C"], 5), (2, ["A", "B"], 10), (3, ["C", "D"], 3),
        (3, ["C", "D"], 100), (4, ["D"], 2), (5, ["A", "B", "D"], 1),
    ]  # fmt: skip
    for order_id, (customer, skus, days) in enumerate(baskets):
        for sku in skus:
            rows.append((customer, sku, order_id, now - timedelta(days=days)))
    return pd.DataFrame(rows, columns=["customer_id", "sku", "order_id", "placed_at"])


def test_fit_from_purchase_lines():
    lines = purchases()
    recommender = fit(lines, datetime(2026, 1, 31, tzinfo=timezone.utc), {"min_pair_orders": 2})
    assert recommender.items == ["A", "B", "C", "D"]
    assert recommender.also_bought("A", 1)[0].item == "B"
    assert recommender.items[recommender.popularity[0]] in {"A", "B", "D"}
    assert recommender.recommend({"C": (1, 3.0)}, 1)[0].item in {"C", "D"}
    with pytest.raises(ValueError, match="no purchases"):
        fit(lines.iloc[0:0], datetime(2026, 1, 31, tzinfo=timezone.utc))


def test_data_fingerprint_changes_with_the_purchases():
    lines = purchases()
    same = data_fingerprint(lines, {"lam": 1})
    assert same == data_fingerprint(lines.copy(), {"lam": 1})
    assert same != data_fingerprint(lines.iloc[1:], {"lam": 1})
    assert same != data_fingerprint(lines, {"lam": 2})
