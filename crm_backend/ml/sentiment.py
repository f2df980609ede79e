"""Bilingual sentiment: one calibrated linear model per language, with a neutral zone.

``SentimentModel.analyse(text)`` returns a :class:`Sentiment`: ``score`` in [-1, 1]
(``(2 * P(positive) - 1) * P(opinion)``: calibrated polarity damped by an opinion gate, see
:class:`LanguageSentiment`), ``label`` negative / neutral /
positive (neutral when ``|score| < thresholds.neutral``) and ``strongly_negative``
(``score <= -thresholds.strong``). Text with Han characters goes to the Chinese model,
anything else with letters to the English one; text without letters (an order number,
an emoji, nothing) is neutral with score 0.

The thresholds are tuned on *plain requests* (customer messages that are not
complaints) so that ordinary requests are rarely flagged strongly negative; see
:func:`tune_thresholds`. Training lives in :mod:`crm_backend.ml.sentiment_train`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from crm_backend.ml import registry
from crm_backend.ml.text_features import clip, has_han

NAME = "sentiment"
LANGUAGES = ("en", "zh")
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
DEFAULT_NEUTRAL = 0.3
DEFAULT_STRONG = 0.6
# tuning: share of plain requests allowed above each cut-off, and the cut-offs' bounds
PLAIN_STRONG_RATE = 0.03
PLAIN_NEUTRAL_SHARE = 0.8
NEUTRAL_BOUNDS = (0.2, 0.6)
STRONG_BOUNDS = (0.5, 0.95)


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float
    strongly_negative: bool
    language: Optional[str]

    def as_output(self) -> Dict[str, Any]:
        """What the NLU puts into the parse result."""
        return {
            "label": self.label,
            "score": self.score,
            "strongly_negative": self.strongly_negative,
        }


NEUTRAL_RESULT = Sentiment(NEUTRAL, 0.0, False, None)


@dataclass(frozen=True)
class Thresholds:
    neutral: float = DEFAULT_NEUTRAL  # |score| below this: neutral
    strong: float = DEFAULT_STRONG  # score <= -strong: strongly negative

    def label(self, score: float) -> str:
        if score <= -self.neutral:
            return NEGATIVE
        if score >= self.neutral:
            return POSITIVE
        return NEUTRAL


def tune_thresholds(
    plain_scores: Union[Sequence[float], np.ndarray],
    strong_rate: float = PLAIN_STRONG_RATE,
    neutral_share: float = PLAIN_NEUTRAL_SHARE,
) -> Thresholds:
    """Cut-offs from the scores of plain (non-complaint) requests.

    ``strong``: at most ``strong_rate`` of the plain requests score <= -strong.
    ``neutral``: ``neutral_share`` of them fall inside the neutral zone. Both are
    clipped to sane bounds, and strong is never below neutral.
    """
    scores = np.asarray(plain_scores, dtype=float)
    if scores.size == 0:
        return Thresholds()
    strong = float(-np.quantile(scores, strong_rate)) + 1e-6
    neutral = float(np.quantile(np.abs(scores), neutral_share))
    neutral = float(np.clip(neutral, *NEUTRAL_BOUNDS))
    strong = float(np.clip(max(strong, neutral), *STRONG_BOUNDS))
    return Thresholds(neutral=round(neutral, 4), strong=round(strong, 4))


# identifiers carry no opinion, but review-trained models read their letters as words
# ("alice@example.com" came out strongly negative): they are masked before scoring
_IDENTIFIERS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|https?://\S+|www\.\S+"  # links
    r"|\b[A-Za-z]{1,3}-?\d{3,}\b"  # order / ticket numbers (A1001, T-000011)
    r"|\+?\d[\d ()-]{6,}\d"  # phone numbers
)


def without_identifiers(text: str) -> str:
    """``text`` with e-mails, links, order numbers and phone numbers removed."""
    return _IDENTIFIERS.sub(" ", text).strip()


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def language_of(text: str) -> Optional[str]:
    """Which model reads ``text``: zh for Han script, en for other letters, else None."""
    if has_han(text):
        return "zh"
    if _has_letters(text):
        return "en"
    return None


@dataclass
class LanguageSentiment:
    """Polarity classifier x subjectivity gate, with the neutral-zone thresholds.

    ``estimator``: calibrated P(positive) (column 1) of an opinionated text.
    ``gate``: P(the text expresses an opinion) vs. being a plain request (column 1);
    review-trained polarity models read "I want to cancel my order" as negative, the
    gate pulls such requests towards 0. ``score = (2 P(positive) - 1) * P(opinion)``.
    """

    estimator: Any
    gate: Any = None
    thresholds: Thresholds = field(default_factory=Thresholds)

    def polarity(self, texts: Sequence[str]) -> np.ndarray:
        """``2 P(positive) - 1`` without the gate."""
        if not len(texts):
            return np.zeros(0)
        positive = self.estimator.predict_proba(list(texts))[:, 1]
        return np.clip(2.0 * positive - 1.0, -1.0, 1.0)

    def opinion(self, texts: Sequence[str]) -> np.ndarray:
        """P(opinion) per text (1 without a gate)."""
        if self.gate is None or not len(texts):
            return np.ones(len(texts))
        return np.asarray(self.gate.predict_proba(list(texts))[:, 1])

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.polarity(texts) * self.opinion(texts))


@dataclass
class SentimentModel:
    languages: Dict[str, LanguageSentiment]
    version: str = ""

    def analyse(self, text: Any) -> Sentiment:
        return self.analyse_many([text])[0]

    def analyse_many(self, texts: Sequence[Any]) -> List[Sentiment]:
        """Sentiment of each text (bad input - None, numbers, '' - is neutral)."""
        cleaned = [without_identifiers(clip(t)) for t in texts]
        results: List[Sentiment] = [NEUTRAL_RESULT] * len(cleaned)
        for language, model in self.languages.items():
            index = [i for i, t in enumerate(cleaned) if t and language_of(t) == language]
            if not index:
                continue
            for i, score in zip(index, model.scores([cleaned[i] for i in index]), strict=True):
                value = round(float(score), 3)
                results[i] = Sentiment(
                    label=model.thresholds.label(value),
                    score=value,
                    strongly_negative=value <= -model.thresholds.strong,
                    language=language,
                )
        return results


def load(model_dir: Any = None) -> SentimentModel:
    """The current sentiment model (loaded once per version).

    Raises:
        registry.ModelNotTrained: nothing trained yet (names the train command).
    """
    artifact, info = registry.load_current(NAME, model_dir)
    if not isinstance(artifact, SentimentModel):
        raise TypeError(f"{info.path} does not hold a SentimentModel")
    artifact.version = info.version
    return artifact
