"""K-means on log-scaled, standardised RFM features, with readable segment names.

- ``k`` is chosen by silhouette over ``k = 2..8`` (fixed ``random_state``; silhouette on a
  seeded sample of at most 3,000 customers so it stays fast on the full dataset).
- Names come from the centroids' **ranks** on R (more recent = higher), F and M, as
  positions in [0, 1] between the worst and the best centroid (:func:`rank_scores`),
  matched to prototype profiles by a minimum-cost assignment (Hungarian algorithm):
  deterministic, one name per cluster, and the same data always gives the same names
  whatever labels K-means happened to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from crm_backend.ml.rfm import RFM_COLUMNS, log_features

RANDOM_STATE = 20261125
K_RANGE = range(2, 9)
SILHOUETTE_SAMPLE = 3000
# name -> (R, F, M) profile in rank space (1 = best among the clusters)
PROTOTYPES: Dict[str, Tuple[float, float, float]] = {
    "Champions": (1.0, 1.0, 1.0),
    "Loyal": (0.7, 0.75, 0.7),
    "Big spenders": (0.5, 0.35, 1.0),
    "New": (1.0, 0.0, 0.2),
    "Promising": (0.8, 0.35, 0.35),
    "Need attention": (0.45, 0.5, 0.5),
    "At risk": (0.1, 0.8, 0.75),
    "Hibernating": (0.0, 0.0, 0.0),
}
SEGMENT_ORDER = tuple(PROTOTYPES)
NO_ORDERS = "No orders yet"


@dataclass(frozen=True)
class SegmentModel:
    k: int
    silhouette: float
    silhouette_by_k: Dict[int, float]
    scaler: StandardScaler
    kmeans: KMeans
    names: Dict[int, str]  # K-means label -> segment name
    profiles: pd.DataFrame = field(repr=False)  # per segment: size + mean R/F/M

    def predict(self, rfm: pd.DataFrame) -> pd.Series:
        """Segment name per row of an RFM table."""
        with threadpool_limits(limits=1):
            labels = self.kmeans.predict(self.scaler.transform(log_features(rfm)))
        return pd.Series([self.names[int(label)] for label in labels], index=rfm.index)


def rank_scores(centroids: np.ndarray) -> np.ndarray:
    """Centroids (log R, log F, log M) -> positions in [0, 1] per dimension.

    0 = the worst centroid on that dimension, 1 = the best (recency inverted: recent = 1),
    the others in between in proportion: the centroids' rank order, but two nearly equal
    centroids get nearly equal scores instead of being forced a full rank apart.
    """
    signed = np.asarray(centroids, dtype=float) * np.array([-1.0, 1.0, 1.0])
    low, high = signed.min(axis=0), signed.max(axis=0)
    spread = np.where(high - low > 1e-9, high - low, 1.0)
    scores = (signed - low) / spread
    scores[:, high - low <= 1e-9] = 0.5  # a dimension where all centroids agree says nothing
    return scores


def name_clusters(centroids: np.ndarray) -> List[str]:
    """One distinct prototype name per centroid (minimum total squared distance)."""
    scores = rank_scores(centroids)
    protos = np.array(list(PROTOTYPES.values()))
    cost = ((scores[:, None, :] - protos[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    names = [""] * len(centroids)
    for row, col in zip(rows, cols, strict=True):
        names[row] = SEGMENT_ORDER[col]
    return names


def choose_k(
    features: np.ndarray, ks: Sequence[int] = K_RANGE, random_state: int = RANDOM_STATE
) -> Tuple[int, Dict[int, float], Dict[int, KMeans]]:
    """The k with the best silhouette (ties -> smaller k), its score per k, the fits."""
    n = len(features)
    scores: Dict[int, float] = {}
    fits: Dict[int, KMeans] = {}
    sample = min(n, SILHOUETTE_SAMPLE)
    for k in ks:
        if not 2 <= k < n:
            continue
        model = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(features)
        if len(set(model.labels_)) < 2:
            continue
        scores[k] = float(
            silhouette_score(features, model.labels_, sample_size=sample, random_state=random_state)
        )
        fits[k] = model
    if not scores:
        raise ValueError(f"cannot cluster {n} customer(s): need at least 3 distinct profiles")
    best = max(scores, key=lambda k: (round(scores[k], 6), -k))
    return best, scores, fits


def fit_segments(
    rfm: pd.DataFrame, ks: Sequence[int] = K_RANGE, random_state: int = RANDOM_STATE
) -> SegmentModel:
    """Fit scaler + K-means on an RFM table (index = customer id)."""
    scaler = StandardScaler().fit(log_features(rfm))
    features = scaler.transform(log_features(rfm))
    # one thread: OpenMP K-means on a few thousand points is ~50x slower on busy shared cores
    with threadpool_limits(limits=1):
        k, scores, fits = choose_k(features, ks, random_state)
    kmeans = fits[k]
    centroids = scaler.inverse_transform(kmeans.cluster_centers_)
    names = dict(enumerate(name_clusters(centroids)))
    segments = pd.Series([names[int(label)] for label in kmeans.labels_], index=rfm.index)
    profiles = (
        rfm[list(RFM_COLUMNS)]
        .assign(segment=segments)
        .groupby("segment")
        .agg(
            customers=("frequency", "size"),
            recency_days=("recency_days", "mean"),
            frequency=("frequency", "mean"),
            monetary=("monetary", "mean"),
        )
        .reindex([name for name in SEGMENT_ORDER if name in set(names.values())])
        .round(1)
    )
    return SegmentModel(k, scores[k], scores, scaler, kmeans, names, profiles)


def scatter_plot(rfm: pd.DataFrame, segments: pd.Series, path: Path, title: str = "") -> Path:
    """Recency vs monetary and frequency vs monetary (log scales), coloured by segment."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
    palette = plt.get_cmap("tab10")
    present = [name for name in SEGMENT_ORDER if name in set(segments)]
    for index, name in enumerate(present):
        part = rfm[segments == name]
        colour = palette(index % 10)
        label = f"{name} ({len(part):,})"
        axes[0].scatter(part["recency_days"] + 1, part["monetary"] + 1, s=6, alpha=0.6,
                        color=colour, label=label)  # fmt: skip
        axes[1].scatter(part["frequency"], part["monetary"] + 1, s=6, alpha=0.6, color=colour)
    for ax, xlabel in zip(axes, ("recency (days + 1)", "frequency (orders)"), strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("monetary (GBP + 1)")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].legend(loc="lower left", fontsize=8, markerscale=2)
    fig.suptitle(title or "RFM segments")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
