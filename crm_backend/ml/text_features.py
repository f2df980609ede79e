"""Text features for the sentiment models: normalisers, n-gram vectorisers, NB weighting.

Everything here is module-level (picklable) and deterministic. English text is brought
to the SST-2 convention (lower case, Penn-Treebank-style clitics: ``doesn't`` ->
``does n't``, ``it's`` -> ``it 's``) so chat messages and the training phrases share
tokens. Chinese text is matched on character n-grams (robust to jieba's segmentation of
typos and slang); full-width forms are folded to half-width.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

MAX_CHARS = 2000  # longer messages are cut before featurising
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CLITIC_NT = re.compile(r"(\w)n't\b")
_CAN_NOT = re.compile(r"\bcannot\b")
_CLITICS = re.compile(r"(\w)'(s|re|ve|ll|d|m)\b")
_PUNCT = re.compile(r"([!?.,;:()\"])")
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
EN_WORD_PATTERN = r"n't|[\w']+|[!?]"


def clip(text: Any) -> str:
    """A string of at most :data:`MAX_CHARS` characters (non-strings become '')."""
    return text[:MAX_CHARS] if isinstance(text, str) else ""


def normalise_en(text: str) -> str:
    """Lower case, PTB-style clitics and punctuation split off."""
    text = unicodedata.normalize("NFKC", clip(text)).translate(_APOSTROPHES).lower()
    text = _CAN_NOT.sub("can not", text)
    text = _CLITIC_NT.sub(r"\1 n't", text)
    text = _CLITICS.sub(r"\1 '\2", text)
    text = _PUNCT.sub(r" \1 ", text)
    return _SPACES.sub(" ", text).strip()


def normalise_zh(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no whitespace."""
    text = unicodedata.normalize("NFKC", clip(text)).lower()
    return _SPACES.sub("", text)


def has_han(text: str) -> bool:
    return bool(_HAN.search(text or ""))


class NBWeighter(TransformerMixin, BaseEstimator):
    """Naive-Bayes log-count-ratio feature scaling (Wang & Manning 2012, "NBSVM").

    ``fit`` estimates r = log((p/|p|) / (q/|q|)) from the binarised features of the
    positive (p) and negative (q) examples with smoothing ``alpha``; ``transform``
    multiplies each column by r, so a linear model on top starts from NB's evidence.
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, x: Any, y: Any) -> "NBWeighter":
        binary = (sp.csr_matrix(x) > 0).astype(np.float64)
        labels = np.asarray(y)
        p = np.asarray(binary[labels == 1].sum(axis=0)).ravel() + self.alpha
        q = np.asarray(binary[labels == 0].sum(axis=0)).ravel() + self.alpha
        self.ratio_ = np.log((p / p.sum()) / (q / q.sum()))
        return self

    def transform(self, x: Any) -> Any:
        return sp.csr_matrix(x).multiply(self.ratio_).tocsr()


def _drop_stop_words(vectoriser: Any) -> Any:
    """Fitted vectorisers keep every pruned term in ``stop_words_`` (large, unused)."""
    if hasattr(vectoriser, "stop_words_"):
        vectoriser.stop_words_ = set()
    return vectoriser


def english_features(char_weight: float = 0.0, min_df: int = 3) -> FeatureUnion:
    """Binary word 1-3-grams (and char_wb 2-5-grams if ``char_weight``), NB-weighted."""
    words = Pipeline(
        [
            (
                "count",
                CountVectorizer(
                    preprocessor=normalise_en,
                    token_pattern=EN_WORD_PATTERN,
                    ngram_range=(1, 3),
                    binary=True,
                    min_df=min_df,
                    dtype=np.float32,
                ),
            ),
            ("nb", NBWeighter()),
        ]
    )
    parts = [("words", words)]
    weights = {"words": 1.0}
    if char_weight > 0:
        chars = Pipeline(
            [
                (
                    "count",
                    CountVectorizer(
                        preprocessor=normalise_en,
                        analyzer="char_wb",
                        ngram_range=(2, 5),
                        binary=True,
                        min_df=min_df,
                        dtype=np.float32,
                    ),
                ),
                ("nb", NBWeighter()),
            ]
        )
        parts.append(("chars", chars))
        weights["chars"] = char_weight
    return FeatureUnion(parts, transformer_weights=weights)


def chinese_features(max_n: int = 3, min_df: int = 2) -> Pipeline:
    """Sub-linear TF-IDF of character 1..max_n-grams, NB-weighted."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    preprocessor=normalise_zh,
                    analyzer="char",
                    ngram_range=(1, max_n),
                    sublinear_tf=True,
                    min_df=min_df,
                    dtype=np.float32,
                ),
            ),
            ("nb", NBWeighter()),
        ]
    )


def slim(estimator: Any, seen: Optional[set] = None) -> Any:
    """Drop the vectorisers' ``stop_words_`` everywhere inside a fitted estimator."""
    seen = seen if seen is not None else set()
    if id(estimator) in seen:
        return estimator
    seen.add(id(estimator))
    if isinstance(estimator, (CountVectorizer, TfidfVectorizer)):
        return _drop_stop_words(estimator)
    children: list = []
    for attr in ("steps", "transformer_list"):
        children.extend(step for _, step in getattr(estimator, attr, []) or [])
    for attr in ("calibrated_classifiers_",):
        for calibrated in getattr(estimator, attr, []) or []:
            children.append(getattr(calibrated, "base_estimator", None))
            children.append(getattr(calibrated, "estimator", None))
    for attr in ("base_estimator", "estimator"):
        children.append(getattr(estimator, attr, None))
    for child in children:
        if child is not None and not isinstance(child, str):
            slim(child, seen)
    return estimator
