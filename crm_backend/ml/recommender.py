"""Implicit-feedback recommendations: EASE + own purchase history, popularity, and rules.

- **EASE** (Steck 2019): item-item weights in closed form, ``P = (X^T X + lambda I)^-1``,
  ``B = -P / diag(P)`` with a zero diagonal; a customer's scores are ``x_u B``. ``X`` is the
  binary customer x item purchase matrix. Only the ``top_k`` strongest weights per item
  are kept (sparse), which keeps the model small and serving fast.
- **Own history**: shops like this one sell largely to repeat buyers, so an item the
  customer bought before is a strong candidate. Its weight decays with the time since the
  last purchase (half-life ``half_life_days``) and grows with the number of orders.
- The final score is ``ease / max(ease) + history_weight * history``; customers without
  known items fall back to **popularity** (distinct buyers in the last
  ``popularity_days``).
- **Frequently bought together**: association rules between items in the same order:
  support = n(A,B) / N, confidence = n(A,B) / n(A), lift = confidence / support(B); rules
  need ``min_pair_orders`` orders and lift > 1, ranked by confidence then lift.

Everything here is pure numpy/scipy on arrays; :mod:`crm_backend.ml.recommender_train`
builds the matrices from the CRM or a data frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp

NAME = "recommender"
PERSONAL, POPULAR, HISTORY, TOGETHER, SIMILAR = (
    "personal",
    "popular",
    "bought_before",
    "bought_together",
    "similar",
)


@dataclass(frozen=True)
class Rule:
    consequent: str
    orders: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class Scored:
    item: str
    score: float
    reason: str


def ease(x: sp.spmatrix, lam: float) -> np.ndarray:
    """Dense EASE item-item weights with a zero diagonal."""
    gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)
    gram[np.diag_indices_from(gram)] += lam
    precision = np.linalg.inv(gram)
    weights = -precision / np.diag(precision)
    np.fill_diagonal(weights, 0.0)
    return weights


def keep_top_k(weights: np.ndarray, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest weights of each row (sparse, float32)."""
    n = weights.shape[0]
    if k >= n:
        return sp.csr_matrix(weights.astype(np.float32))
    part = np.argpartition(-weights, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    values = weights[rows, part.ravel()]
    matrix = sp.csr_matrix((values.astype(np.float32), (rows, part.ravel())), shape=weights.shape)
    matrix.eliminate_zeros()
    return matrix


def association_rules(
    baskets: sp.csr_matrix, min_pair_orders: int, per_item: int
) -> Dict[int, List[Tuple[int, int, float, float, float]]]:
    """Rules A -> B from a binary order x item matrix: ``{a: [(b, n_ab, s, c, lift)]}``."""
    baskets = (baskets > 0).astype(np.float64).tocsr()
    n_orders = baskets.shape[0]
    if n_orders == 0:
        return {}
    item_orders = np.asarray(baskets.sum(axis=0)).ravel()
    pairs = (baskets.T @ baskets).tocoo()
    rules: Dict[int, List[Tuple[int, int, float, float, float]]] = {}
    mask = (pairs.row != pairs.col) & (pairs.data >= min_pair_orders)
    for a, b, n_ab in zip(pairs.row[mask], pairs.col[mask], pairs.data[mask], strict=True):
        confidence = float(n_ab / item_orders[a])
        lift = float(confidence / (item_orders[b] / n_orders))
        if lift > 1.0 + 1e-9:
            rules.setdefault(int(a), []).append(
                (int(b), int(n_ab), float(n_ab / n_orders), confidence, lift)
            )
    for a, found in rules.items():
        found.sort(key=lambda r: (-r[3], -r[4], r[0]))
        rules[a] = found[:per_item]
    return rules


@dataclass
class Recommender:
    """A fitted model over ``items`` (SKUs); see the module docstring."""

    items: List[str]
    weights: sp.csr_matrix  # item x item EASE weights (top-k per row)
    popularity: np.ndarray  # item indices, most popular first
    rules: Dict[int, List[Tuple[int, int, float, float, float]]]
    params: Dict[str, float] = field(default_factory=dict)
    index: Dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {sku: i for i, sku in enumerate(self.items)}

    @property
    def history_weight(self) -> float:
        return float(self.params.get("history_weight", 0.0))

    def history_vector(
        self, history: Mapping[str, Tuple[int, float]], half_life_days: Optional[float] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """(binary x_u, decayed own-history weights) from ``{sku: (orders, days_ago)}``."""
        half_life = half_life_days or float(self.params.get("half_life_days", 90.0))
        binary = np.zeros(len(self.items), dtype=np.float32)
        own = np.zeros(len(self.items), dtype=np.float32)
        for sku, (orders, days_ago) in history.items():
            i = self.index.get(sku)
            if i is None:
                continue
            binary[i] = 1.0
            own[i] = np.log1p(max(orders, 1)) * 0.5 ** (max(days_ago, 0.0) / half_life)
        if own.max() > 0:
            own /= own.max()
        return binary, own

    def scores(self, history: Mapping[str, Tuple[int, float]]) -> Optional[np.ndarray]:
        """Personal scores for every item, or None without a known item (cold start)."""
        binary, own = self.history_vector(history)
        if not binary.any():
            return None
        known = np.flatnonzero(binary)
        ease_scores = np.asarray(self.weights[known].sum(axis=0)).ravel()
        top = ease_scores.max()
        if top > 0:
            ease_scores = ease_scores / top
        return ease_scores + self.history_weight * own

    def recommend(
        self,
        history: Mapping[str, Tuple[int, float]],
        n: int,
        allowed: Optional[set] = None,
        exclude_bought: bool = False,
    ) -> List[Scored]:
        """Top ``n`` SKUs for a customer: personal when possible, topped up by popularity."""
        chosen: List[Scored] = []
        taken: set = set()
        scores = self.scores(history)
        if scores is not None:
            bought = {self.index[s] for s in history if s in self.index}
            for i in _ranked(scores, n + len(bought) if exclude_bought else n, allowed):
                if len(chosen) >= n or scores[i] <= 0:
                    break
                sku = self.items[i]
                if (exclude_bought and i in bought) or (allowed is not None and sku not in allowed):
                    continue
                reason = HISTORY if i in bought else PERSONAL
                chosen.append(Scored(sku, float(scores[i]), reason))
                taken.add(sku)
        for rank, i in enumerate(self.popularity):
            if len(chosen) >= n:
                break
            sku = self.items[i]
            if sku in taken or (allowed is not None and sku not in allowed):
                continue
            chosen.append(Scored(sku, 1.0 / (rank + 1), POPULAR))
            taken.add(sku)
        return chosen

    def also_bought(self, sku: str, n: int, allowed: Optional[set] = None) -> List[Scored]:
        """Rules first (bought together), then EASE neighbours (similar), for one SKU."""
        i = self.index.get(sku)
        if i is None:
            return []
        found: List[Scored] = []
        for b, _, _, confidence, _ in self.rules.get(i, []):
            other = self.items[b]
            if allowed is None or other in allowed:
                found.append(Scored(other, confidence, TOGETHER))
        if len(found) < n:
            row = self.weights.getrow(i)
            order = np.argsort(-row.data, kind="stable")
            taken = {s.item for s in found} | {sku}
            for j, w in zip(row.indices[order], row.data[order], strict=True):
                other = self.items[j]
                if w > 0 and other not in taken and (allowed is None or other in allowed):
                    found.append(Scored(other, float(w), SIMILAR))
                    taken.add(other)
        return found[:n]

    def rule_details(self, sku: str) -> List[Rule]:
        """The association rules of ``sku`` (support, confidence, lift), best first."""
        i = self.index.get(sku)
        if i is None:
            return []
        return [
            Rule(self.items[b], n_ab, s, c, lift) for b, n_ab, s, c, lift in self.rules.get(i, [])
        ]


def _ranked(scores: np.ndarray, needed: int, allowed: Optional[set]) -> np.ndarray:
    """Item indices by descending score; only the top few are sorted when no filter can
    skip items (argpartition keeps serving fast on large catalogues)."""
    if allowed is None and needed < len(scores):
        top = np.argpartition(-scores, needed - 1)[:needed]
        return top[np.lexsort((top, -scores[top]))]
    return np.argsort(-scores, kind="stable")


def popularity_order(customers_per_item: Sequence[float]) -> np.ndarray:
    return np.argsort(-np.asarray(customers_per_item, dtype=float), kind="stable")
