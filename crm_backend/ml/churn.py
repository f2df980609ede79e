"""Churn risk: a calibrated logistic regression with per-customer reasons.

Pipeline (the same for the CRM features and for benchmark tables such as IBM Telco):
numeric columns -> median imputation -> ``log1p`` (of values clipped at 0) -> standard
scaling; categorical columns -> one-hot; logistic regression; sigmoid calibration on
5-fold out-of-fold predictions (``CalibratedClassifierCV(ensemble=False)``: one model
refitted on all data, so its coefficients explain its scores).

Reasons: the contribution of a feature to a customer's log-odds is the sum over its
columns of ``coef * (z - mean z)`` (z = transformed value); the largest positive ones
are the customer's risk factors, rendered in English and Chinese for agents.

Support signals that the training data barely contains (complaints, tickets, returns,
negative or failed bot conversations, chat sentiment) cannot be learned from it; those
columns get documented *prior* log-odds weights (:data:`PRIORS`) added after calibration,
until enough history exists to learn them (then they are learned like the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from crm_backend.ml import registry
from crm_backend.ml.churn_reasons import describe

NAME = "churn"
HIGH, MEDIUM, LOW = "high", "medium", "low"
BAND_CUTS = (0.3, 0.6)  # score >= 0.6: high; >= 0.3: medium; else low
CV_FOLDS = 5
MIN_SIGNAL_ROWS = 20  # a column needs this many non-zero training rows to be learned
MIN_IMPACT = 0.1  # log-odds; smaller contributions are not shown as reasons
# log-odds per unit of log1p(count) (sentiment: per unit of mean score in [-1, 1])
PRIORS: Dict[str, float] = {
    "returns": 0.3,
    "complaints": 0.6,
    "tickets": 0.2,
    "negative_conversations": 0.5,
    "failed_conversations": 0.3,
    "sentiment_avg": -0.8,
}
LINEAR_PRIORS = frozenset({"sentiment_avg"})


def _log1p_clipped(values: Any) -> Any:
    return np.log1p(np.clip(np.asarray(values, dtype=float), 0, None))


def build_pipeline(numeric: Sequence[str], categorical: Sequence[str], c: float = 1.0) -> Pipeline:
    parts: List[Any] = []
    if numeric:
        parts.append(
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median"),
                    FunctionTransformer(_log1p_clipped),
                    StandardScaler(),
                ),
                list(numeric),
            )
        )
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), list(categorical)))
    return Pipeline(
        [
            ("pre", ColumnTransformer(parts, sparse_threshold=0.0)),
            ("lr", LogisticRegression(C=c, max_iter=5000)),
        ]
    )


def band(score: float) -> str:
    return HIGH if score >= BAND_CUTS[1] else MEDIUM if score >= BAND_CUTS[0] else LOW


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class ChurnModel:
    numeric: List[str]
    categorical: List[str]
    estimator: Any  # CalibratedClassifierCV(ensemble=False) around build_pipeline(...)
    priors: Dict[str, float] = field(default_factory=dict)
    column_means: Optional[np.ndarray] = None
    column_features: List[str] = field(default_factory=list)
    version: str = ""

    @property
    def base(self) -> Pipeline:
        calibrated = self.estimator.calibrated_classifiers_[0]
        return getattr(calibrated, "base_estimator", None) or calibrated.estimator

    def _offset(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns = {}
        for name, weight in self.priors.items():
            values = pd.to_numeric(frame.get(name, 0.0), errors="coerce")
            values = pd.Series(values, index=frame.index).fillna(0.0).astype(float)
            raw = values if name in LINEAR_PRIORS else np.log1p(values.clip(lower=0))
            columns[name] = weight * raw
        return pd.DataFrame(columns, index=frame.index)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of churning per row."""
        if frame.empty:
            return np.zeros(0)
        p = self.estimator.predict_proba(frame[self.numeric + self.categorical])[:, 1]
        if self.priors:
            p = 1.0 / (1.0 + np.exp(-(_logit(p) + self._offset(frame).sum(axis=1).to_numpy())))
        return np.asarray(p)

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Each feature's contribution to each row's log-odds (relative to the average)."""
        base = self.base
        z = np.asarray(base.named_steps["pre"].transform(frame[self.numeric + self.categorical]))
        coef = base.named_steps["lr"].coef_[0]
        means = self.column_means if self.column_means is not None else np.zeros(z.shape[1])
        per_column = (z - means) * coef
        features = self.numeric + self.categorical
        out = pd.DataFrame(0.0, index=frame.index, columns=features)
        mapping = np.asarray(self.column_features)
        for name in features:
            out[name] = per_column[:, mapping == name].sum(axis=1)
        if self.priors:
            out = out.join(self._offset(frame))
        return out

    def reasons(self, frame: pd.DataFrame, top: int = 3) -> List[List[Dict[str, Any]]]:
        """Up to ``top`` risk-increasing factors per row (EN + ZH text, value, impact)."""
        impacts = self.contributions(frame)
        found: List[List[Dict[str, Any]]] = []
        for position, (_, row) in enumerate(impacts.iterrows()):
            chosen = row[row >= MIN_IMPACT].sort_values(ascending=False).head(top)
            items = []
            for name, impact in chosen.items():
                value = frame.iloc[position][name]
                z_high = _above_average(self, name, value)
                en, zh = describe(str(name), value, z_high)
                items.append(
                    {
                        "feature": name,
                        "value": _plain(value),
                        "impact": round(float(impact), 3),
                        "en": en,
                        "zh": zh,
                    }  # fmt: skip
                )
            found.append(items)
        return found


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else round(float(value), 3)
    return value


def _above_average(model: ChurnModel, name: str, value: Any) -> bool:
    """Whether ``value`` is above the training average of a numeric feature (prior
    features: above zero)."""
    if name in model.priors:
        try:
            return float(value) > 0
        except (TypeError, ValueError):
            return True
    if name not in model.numeric:
        return True
    scaler = model.base.named_steps["pre"].named_transformers_["num"][-1]
    index = model.numeric.index(name)
    try:
        transformed = float(_log1p_clipped([float(value)])[0])
    except (TypeError, ValueError):
        return True
    return transformed >= float(scaler.mean_[index])


def _column_features(pre: ColumnTransformer) -> List[str]:
    names: List[str] = []
    for kind, transformer, columns in pre.transformers_:
        if kind == "num":
            names.extend(columns)
        elif kind == "cat":
            for column, categories in zip(columns, transformer.categories_, strict=True):
                names.extend([column] * len(categories))
    return names


def signal_columns(frame: pd.DataFrame, candidates: Mapping[str, float]) -> List[str]:
    """Prior candidates that have too little signal in ``frame`` to be learned."""
    weak = []
    for name in candidates:
        values = pd.to_numeric(frame.get(name, pd.Series(dtype=float)), errors="coerce")
        if int((values.fillna(0) != 0).sum()) < MIN_SIGNAL_ROWS or values.nunique() < 2:
            weak.append(name)
    return weak


def fit(
    frame: pd.DataFrame,
    labels: Sequence[int],
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    priors: Optional[Mapping[str, float]] = None,
    c: float = 1.0,
    folds: int = CV_FOLDS,
) -> ChurnModel:
    """Fit on ``frame`` (one row per customer) and 0/1 ``labels`` (1 = churned).

    Columns named in ``priors`` with too little signal are not learned but get the prior.
    """
    y = np.asarray(labels, dtype=int)
    if len(y) != len(frame) or len(set(y.tolist())) < 2:
        raise ValueError("need labels of both classes, one per row")
    weak = signal_columns(frame, priors or {})
    learned = [c_ for c_ in numeric if c_ not in weak]
    folds = max(2, min(folds, int(np.bincount(y).min())))
    estimator = CalibratedClassifierCV(
        build_pipeline(learned, list(categorical), c), method="sigmoid", cv=folds, ensemble=False
    )
    estimator.fit(frame[learned + list(categorical)], y)
    model = ChurnModel(
        numeric=learned,
        categorical=list(categorical),
        estimator=estimator,
        priors={name: float((priors or {})[name]) for name in weak},
    )
    pre = model.base.named_steps["pre"]
    model.column_features = _column_features(pre)
    model.column_means = np.asarray(pre.transform(frame[learned + list(categorical)])).mean(axis=0)
    return model


def load(model_dir: Any = None) -> ChurnModel:
    """The current churn model (loaded once per version); raises ModelNotTrained."""
    artifact, info = registry.load_current(NAME, model_dir)
    if not isinstance(artifact, ChurnModel):
        raise TypeError(f"{info.path} does not hold a ChurnModel")
    artifact.version = info.version
    return artifact
