"""A linear SVM whose scores are turned into calibrated probabilities (no Rasa imports).

``LinearSVC`` (one-vs-rest, class-balanced) is fast and accurate on sparse TF-IDF text
features but gives margins, not probabilities. The margins are mapped to probabilities
with a softmax at a *temperature* fitted by minimising the log-loss of out-of-fold
margins (stratified k-fold cross-validation on the training data), so a confidence of
0.6 means about 60 % of such predictions are right - which is what the FallbackClassifier
threshold assumes.

The fitted state is a few NumPy arrays; inference is one sparse x dense product.
"""

from __future__ import annotations

import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

DEFAULT_TEMPERATURE = 0.3  # used when there is too little data to cross-validate


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    scaled = scores / max(temperature, 1e-6)
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of ``labels``."""

    def nll(log_t: float) -> float:
        probabilities = softmax(scores, float(np.exp(log_t)))
        picked = probabilities[np.arange(len(labels)), labels]
        return float(-np.mean(np.log(np.clip(picked, 1e-12, None))))

    result = minimize_scalar(nll, bounds=(np.log(0.005), np.log(10.0)), method="bounded")
    return float(np.exp(result.x))


class CalibratedLinearSVM:
    """One-vs-rest linear SVM + temperature-scaled softmax."""

    def __init__(
        self,
        c: float = 1.0,
        class_weight: Optional[str] = "balanced",
        calibration_folds: int = 5,
        random_state: int = 42,
        max_iter: int = 2000,
    ) -> None:
        self.c = c
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.max_iter = max_iter
        self.classes: List[str] = []
        self.weights = np.zeros((0, 0), dtype=np.float32)  # features x classes, C-contiguous
        self.intercept = np.zeros(0, dtype=np.float32)
        self.temperature = DEFAULT_TEMPERATURE

    def _svm(self) -> LinearSVC:
        return LinearSVC(
            C=self.c,
            class_weight=self.class_weight,
            random_state=self.random_state,
            max_iter=self.max_iter,
        )

    @staticmethod
    def _scores(svm: LinearSVC, matrix: sp.csr_matrix, n_classes: int) -> np.ndarray:
        scores = np.asarray(svm.decision_function(matrix))
        if n_classes == 2:  # sklearn returns one column for two classes
            scores = np.column_stack([-scores, scores])
        return scores

    def fit(self, matrix: sp.csr_matrix, labels: Sequence[str]) -> "CalibratedLinearSVM":
        """Fit the SVM on everything and the temperature on out-of-fold margins."""
        self.classes = sorted(set(labels))
        if len(self.classes) < 2:
            raise ValueError("intent classification needs at least two intents")
        y = np.array([self.classes.index(label) for label in labels])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.temperature = self._calibrate(matrix, y)
            svm = self._svm().fit(matrix, y)
        coef, intercept = self._coefficients(svm)
        self.weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept = intercept.astype(np.float32)
        return self

    @staticmethod
    def _coefficients(svm: LinearSVC) -> Tuple[np.ndarray, np.ndarray]:
        coef, intercept = np.asarray(svm.coef_), np.asarray(svm.intercept_)
        if coef.shape[0] == 1:  # binary: expand to one column per class
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        return coef, intercept

    def _calibrate(self, matrix: sp.csr_matrix, y: np.ndarray) -> float:
        smallest = int(np.bincount(y).min())
        folds = min(self.calibration_folds, smallest)
        if folds < 2:
            return DEFAULT_TEMPERATURE
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        out_of_fold = np.zeros((matrix.shape[0], len(self.classes)))
        for train, test in splitter.split(np.zeros(len(y)), y):
            svm = self._svm().fit(matrix[train], y[train])
            fold_scores = self._scores(svm, matrix[test], len(self.classes))
            out_of_fold[np.ix_(test, svm.classes_)] = fold_scores
            missing = np.setdiff1d(np.arange(len(self.classes)), svm.classes_)
            out_of_fold[np.ix_(test, missing)] = -10.0
        return fit_temperature(out_of_fold, y)

    def decision_scores(self, matrix: sp.csr_matrix) -> np.ndarray:
        # same dtype on both sides: scipy would otherwise copy the whole weight matrix
        features = sp.csr_matrix(matrix, dtype=self.weights.dtype)
        return np.asarray(features @ self.weights, dtype=np.float64) + self.intercept

    def predict_proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        return softmax(self.decision_scores(matrix), self.temperature)

    def predict_proba_row(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Probabilities of one message given as (feature columns, values)."""
        scores = self.intercept + values.astype(np.float32) @ self.weights[columns]
        return softmax(scores[np.newaxis, :].astype(np.float64), self.temperature)[0]

    def state(self) -> Dict[str, np.ndarray]:
        """Arrays that reproduce the fitted model (``np.savez``-able, no objects)."""
        return {
            "weights": self.weights,
            "intercept": self.intercept,
            "temperature": np.array([self.temperature]),
        }

    @classmethod
    def from_state(cls, classes: List[str], arrays: Dict[str, np.ndarray]) -> "CalibratedLinearSVM":
        model = cls()
        model.classes = list(classes)
        model.weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
        model.intercept = np.asarray(arrays["intercept"], dtype=np.float32)
        model.temperature = float(np.asarray(arrays["temperature"]).ravel()[0])
        return model
