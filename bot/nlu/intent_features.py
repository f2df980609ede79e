"""Sparse text features for the intent classifier (no Rasa imports; unit-testable).

A message becomes two strings built from the pipeline's tokens:

- the *word view*: tokens separated by spaces, with identifiers (order numbers, e-mails,
  phone numbers: the regexes in ``data/nlu/regex.yml``) replaced by one placeholder token
  each, so the model learns "an order number is here" instead of memorising ``a1023``;
- the *char view*: the same tokens, but a Han run that jieba split into words is glued
  back together, so character n-grams also span jieba's word boundaries (robust to
  segmentation mistakes and typos); identifiers are left out.

:class:`TfidfBlock` turns one view into sublinear TF-IDF vectors, L2-normalised, with its
vocabulary and IDF weights kept as plain lists so they persist as JSON/NumPy (no pickle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from bot.nlu.glossary import concepts
from bot.nlu.segmentation import HAN

_HAN_CHAR = re.compile(f"[{HAN}]")
PLACEHOLDER_PREFIX = "__"


@dataclass(frozen=True)
class TokenSpan:
    """A token's normalised text and its character span in the message."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TextView:
    """The two strings the feature blocks read."""

    words: str
    chars: str
    concepts: str = ""


def compile_patterns(patterns: Sequence[Dict[str, str]]) -> List[Tuple[str, "re.Pattern[str]"]]:
    """``[{"name": ..., "pattern": ...}]`` (Rasa's regex features) -> compiled, valid only."""
    compiled = []
    for item in patterns:
        try:
            compiled.append((str(item["name"]), re.compile(item["pattern"], re.IGNORECASE)))
        except (KeyError, re.error):
            continue
    return compiled


def _identifier_spans(
    text: str, patterns: Sequence[Tuple[str, "re.Pattern[str]"]]
) -> List[Tuple[int, int, str]]:
    spans: List[Tuple[int, int, str]] = []
    for name, pattern in patterns:
        spans.extend(
            (m.start(), m.end(), name) for m in pattern.finditer(text) if m.end() > m.start()
        )
    return spans


def _is_han(text: str) -> bool:
    return bool(text) and bool(_HAN_CHAR.match(text))


def text_view(
    text: str,
    tokens: Sequence[TokenSpan],
    patterns: Sequence[Tuple[str, "re.Pattern[str]"]] = (),
    glossary: bool = False,
    known_words: Collection[str] = frozenset(),
) -> TextView:
    """Word, char (and glossary concept) views of a tokenised message.

    See the module docstring; with ``glossary`` the concepts of :mod:`bot.nlu.glossary`
    mentioned in the message make a third view, ``@concept`` words in mention order
    (``known_words`` are never treated as typos of glossary words).
    """
    spans = _identifier_spans(text, patterns)
    words: List[str] = []
    chars: List[str] = []
    previous: Optional[TokenSpan] = None
    current_span: Optional[Tuple[int, int, str]] = None
    for token in tokens:
        covering = next((s for s in spans if s[0] <= token.start and token.end <= s[1]), None)
        if covering is not None:
            if covering != current_span:
                words.append(PLACEHOLDER_PREFIX + covering[2])
                current_span = covering
            previous = None
            continue
        current_span = None
        words.append(token.text)
        glued = (
            previous is not None
            and previous.end == token.start
            and _is_han(previous.text[-1:])
            and _is_han(token.text[:1])
        )
        if glued and chars:
            chars[-1] += token.text
        else:
            chars.append(token.text)
        previous = token
    found = concepts(text, words, known_words) if glossary else []
    return TextView(" ".join(words), " ".join(chars), " ".join("@" + c for c in found))


def word_ngrams(max_n: int, min_n: int = 1) -> Callable[[str], List[str]]:
    """An analyzer giving the ``min_n``..``max_n``-grams of a space-separated word view."""

    def analyze(view: str) -> List[str]:
        tokens = view.split()
        grams: List[str] = []
        for n in range(min_n, max_n + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    return analyze


def char_ngrams(min_n: int, max_n: int) -> Callable[[str], List[str]]:
    """sklearn's ``char_wb`` n-grams (words padded with spaces), minus all-space ones.

    Without the bare-space n-grams a message of unknown characters has no features at all,
    which the classifier reports as "no intent" instead of guessing from the intercepts.
    """
    base = CountVectorizer(analyzer="char_wb", ngram_range=(min_n, max_n)).build_analyzer()

    def analyze(view: str) -> List[str]:
        return [gram for gram in base(view) if not gram.isspace()]

    return analyze


_NO_COLUMNS = np.zeros(0, dtype=np.int64)
_NO_VALUES = np.zeros(0, dtype=np.float64)


class TfidfBlock:
    """Sublinear TF-IDF over one view.

    ``kind``: ``"word"`` (word n-grams), ``"char"`` (char_wb n-grams) or ``"concept"``
    (n-grams of the glossary concepts).
    """

    def __init__(
        self,
        kind: str,
        ngram_range: Tuple[int, int],
        min_df: int = 1,
        vocabulary: Optional[List[str]] = None,
        idf: Optional[np.ndarray] = None,
        weight: float = 1.0,
    ) -> None:
        if kind not in ("word", "char", "concept"):
            raise ValueError(f"unknown feature block kind {kind!r}")
        self.kind = kind
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.min_df = int(min_df)
        self.weight = float(weight)
        self.vocabulary = list(vocabulary) if vocabulary is not None else None
        self.idf = np.asarray(idf, dtype=np.float64) if idf is not None else None
        low, high = self.ngram_range
        self._analyze = word_ngrams(high, low) if kind != "char" else char_ngrams(low, high)
        self._vectorizer = self._make_vectorizer(self.vocabulary)
        self._columns: Optional[Dict[str, int]] = None

    def _make_vectorizer(self, vocabulary: Optional[List[str]]) -> CountVectorizer:
        common: Dict[str, Any] = {"lowercase": False, "dtype": np.float64}
        if vocabulary is not None:
            common["vocabulary"] = {term: index for index, term in enumerate(vocabulary)}
        else:
            common["min_df"] = self.min_df
        return CountVectorizer(analyzer=self._analyze, **common)

    def _view(self, view: TextView) -> str:
        if self.kind == "concept":
            return view.concepts
        return view.words if self.kind == "word" else view.chars

    @property
    def size(self) -> int:
        return len(self.vocabulary or [])

    def fit_transform(self, views: Sequence[TextView]) -> sp.csr_matrix:
        """Learn the vocabulary and IDF weights; return the training matrix."""
        try:
            counts = self._vectorizer.fit_transform([self._view(v) for v in views]).tocsr()
            vocabulary = self._vectorizer.vocabulary_
        except ValueError:  # nothing to learn (e.g. only identifiers or empty texts)
            self.vocabulary, self.idf = [], np.zeros(0)
            return sp.csr_matrix((len(views), 0))
        self.vocabulary = [""] * len(vocabulary)
        for term, index in vocabulary.items():
            self.vocabulary[index] = term
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        n_documents = counts.shape[0]
        self.idf = np.log((1.0 + n_documents) / (1.0 + document_frequency)) + 1.0
        self._vectorizer = self._make_vectorizer(self.vocabulary)
        self._columns = None
        return self._weight(counts)

    def transform(self, views: Sequence[TextView]) -> sp.csr_matrix:
        if self.vocabulary is None or self.idf is None:
            raise RuntimeError("TfidfBlock used before fit_transform")
        if not self.vocabulary:
            return sp.csr_matrix((len(views), 0))
        counts = self._vectorizer.transform([self._view(v) for v in views]).tocsr()
        return self._weight(counts)

    def row(self, view: TextView) -> Tuple[np.ndarray, np.ndarray]:
        """One message's weighted features as (columns, values), equal to ``transform``.

        The per-message path of inference: plain dict lookups, no sparse matrices.
        """
        if self.vocabulary is None or self.idf is None:
            raise RuntimeError("TfidfBlock used before fit_transform")
        if self._columns is None:
            self._columns = {term: index for index, term in enumerate(self.vocabulary)}
        counts: Dict[int, int] = {}
        for gram in self._analyze(self._view(view)):
            column = self._columns.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return _NO_COLUMNS, _NO_VALUES
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[columns]
        values *= self.weight / np.sqrt(values @ values)
        return columns, values

    def _weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF times IDF, rows L2-normalised (touches only the non-zeros)."""
        assert self.idf is not None
        matrix = sp.csr_matrix(counts, dtype=np.float64, copy=True)
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]
        matrix = normalize(matrix, norm="l2", copy=False)
        if self.weight != 1.0:
            matrix.data *= self.weight
        return matrix


def stack(
    blocks: Sequence[TfidfBlock], views: Sequence[TextView], fit: bool = False
) -> sp.csr_matrix:
    """The blocks' matrices side by side (``fit=True`` learns each block first)."""
    parts = [b.fit_transform(views) if fit else b.transform(views) for b in blocks]
    return sp.hstack(parts, format="csr") if parts else sp.csr_matrix((len(views), 0))


def stack_row(blocks: Sequence[TfidfBlock], view: TextView) -> Tuple[np.ndarray, np.ndarray]:
    """One message's features over all blocks as (columns, values); see :func:`stack`."""
    columns, values, offset = [], [], 0
    for block in blocks:
        block_columns, block_values = block.row(view)
        columns.append(block_columns + offset)
        values.append(block_values)
        offset += block.size
    if not columns:
        return _NO_COLUMNS, _NO_VALUES
    return np.concatenate(columns), np.concatenate(values)
