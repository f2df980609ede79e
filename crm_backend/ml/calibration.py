"""Platt scaling fitted on a chosen subset of out-of-fold predictions.

SST-2's training rows are phrases of every length, but customers write sentences: a
sigmoid fitted on all rows inherits the phrases' label mix and confidence. The English
sentiment model is therefore calibrated on the out-of-fold decision values of whole
sentences only (the UCI rows of its training set), while the classifier itself is refitted
on everything.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict


class PlattCalibrated:
    """``predict_proba`` = sigmoid(a * decision_function + b) of a fitted classifier."""

    def __init__(self, estimator: Any, slope: float, intercept: float) -> None:
        self.estimator = estimator
        self.slope = slope
        self.intercept = intercept
        self.classes_ = np.array([0, 1])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        decision = np.asarray(self.estimator.decision_function(list(texts)), dtype=float)
        positive = 1.0 / (1.0 + np.exp(-(self.slope * decision + self.intercept)))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts)[:, 1] >= 0.5).astype(int)


def fit_on_subset(
    estimator: Any,
    texts: Sequence[str],
    labels: Sequence[int],
    subset: np.ndarray,
    folds: int = 3,
    seed: int = 0,
) -> PlattCalibrated:
    """Refit ``estimator`` on all rows; calibrate on the out-of-fold rows in ``subset``."""
    y = np.asarray(labels)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    decision = cross_val_predict(estimator, list(texts), y, cv=splitter, method="decision_function")
    platt = LogisticRegression(C=1e4).fit(decision[subset].reshape(-1, 1), y[subset])
    estimator.fit(list(texts), y)
    return PlattCalibrated(estimator, float(platt.coef_[0, 0]), float(platt.intercept_[0]))
