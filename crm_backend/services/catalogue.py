"""Product search over the catalogue, in English and Chinese.

The query is segmented exactly like the NLU does (:func:`bot.nlu.segmentation.segment`),
filler words ("do you have", "有没有", "吗") are dropped, English plurals are folded, and a
small EN<->ZH glossary turns Chinese words into the English words of the catalogue (蜡烛 ->
candle), so "有没有蜡烛" finds "Homemade Jam Scented Candles". Each remaining word is a
*concept*; a product scores for every concept it matches (name > category > description),
colours and materials only add to products that match something else. Results are ranked by
score, then in-stock first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from bot.nlu.segmentation import segment
from crm_backend.errors import ValidationError
from crm_backend.models import Product
from crm_backend.services.catalogue_glossary import (
    EN_STOPWORDS,
    EN_SYNONYMS,
    MODIFIERS,
    ZH_GLOSSARY,
    ZH_STOPWORDS,
)
from crm_backend.unit_of_work import UnitOfWork

MAX_QUERY = 200
MAX_RESULTS = 20
_HAN = re.compile(r"[\u3400-\u9fff]")

CATEGORY_NAMES: Dict[str, Tuple[str, str, str]] = {
    # category -> (English name, Chinese name, a query that finds it)
    "candles_lights": ("Candles & lights", "蜡烛与灯饰", "candle"),
    "kitchen": ("Kitchen", "厨房用品", "kitchen"),
    "bags": ("Bags", "包袋", "bag"),
    "home_decor": ("Home decor", "家居装饰", "decoration"),
    "stationery": ("Stationery", "文具", "stationery"),
    "toys": ("Toys & games", "玩具", "toys"),
    "garden": ("Garden", "园艺", "garden"),
    "christmas": ("Christmas", "圣诞用品", "christmas"),
}


@dataclass(frozen=True)
class ProductView:
    sku: str
    name_en: str
    name_zh: Optional[str]
    category: str
    price: Decimal
    currency: str
    in_stock: bool

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" and self.name_zh else self.name_en


@dataclass(frozen=True)
class Concept:
    """One thing the customer asked for, with the spellings that count as a match."""

    word: str
    alternatives: FrozenSet[str]
    modifier: bool  # a colour/material: scores only alongside another concept


@dataclass(frozen=True)
class SearchResult:
    concepts: Tuple[Concept, ...]
    products: Tuple[ProductView, ...]


_NOT_PLURAL = frozenset({"christmas", "xmas", "canvas", "dominoes", "scales", "glass"})
_TEA_LIGHT = re.compile(r"\btea[ -]?lights?\b", re.IGNORECASE)


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith("ss") or word in _NOT_PLURAL:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _zh_concepts(token: str) -> List[Concept]:
    """Glossary look-up for a Han token: whole-word keys, longer keys inside the token, and
    one-character keys (灯, 包, 杯) only as the token's last character (its head noun)."""
    found: List[Concept] = []
    covered = ""
    for key in sorted(ZH_GLOSSARY, key=len, reverse=True):
        hit = (
            key == token
            or (len(key) > 1 and key in token)
            or (len(key) == 1 and token.endswith(key))
        )
        if hit and key not in covered:
            english = ZH_GLOSSARY[key]
            found.append(Concept(key, frozenset({key, *english}), key in MODIFIERS))
            covered += key
    if not found and token not in ZH_STOPWORDS and len(token) > 1:
        found.append(Concept(token, frozenset({token}), False))  # match name_zh directly
    return found


def query_concepts(query: object) -> Tuple[Concept, ...]:
    """The concepts of a free-text query (empty if nothing searchable is left)."""
    if not isinstance(query, str):
        return ()
    text = _TEA_LIGHT.sub("t-light", unicodedata.normalize("NFKC", query)[:MAX_QUERY])
    concepts: Dict[str, Concept] = {}
    for piece in segment(text):
        token = piece.text.strip("'’-")
        if not token or token in ZH_STOPWORDS or token in EN_STOPWORDS:
            continue
        if _HAN.search(token):
            for concept in _zh_concepts(token):
                concepts.setdefault(concept.word, concept)
            continue
        if not re.fullmatch(r"[a-z][a-z'-]{1,30}", token):
            continue  # numbers, e-mails, symbols, overlong junk
        word = _singular(token)
        if len(word) < 3 or word in EN_STOPWORDS:
            continue
        alternatives = frozenset({word, *EN_SYNONYMS.get(word, ())})
        concepts.setdefault(word, Concept(word, alternatives, word in MODIFIERS))
    return tuple(concepts.values())


def _field_score(text: str, alternatives: FrozenSet[str], weight: int) -> int:
    text = text.lower()
    best = 0
    for alt in alternatives:
        if _HAN.search(alt):
            if alt in text:
                best = max(best, weight)
        elif re.search(rf"(?<![a-z]){re.escape(alt)}", text):
            best = max(best, weight)
    return best


def _score(product: Product, concepts: Sequence[Concept]) -> int:
    fields = (
        (product.name_en or "", 6),
        (product.name_zh or "", 6),
        (product.category.replace("_", " "), 3),
        (product.description or "", 1),
    )
    core = 0
    extra = 0
    for concept in concepts:
        best = max(_field_score(text, concept.alternatives, weight) for text, weight in fields)
        if concept.modifier:
            extra += best
        else:
            core += best
    only_modifiers = all(c.modifier for c in concepts)
    if core == 0 and not only_modifiers:
        return 0
    return core + extra


def _view(product: Product) -> ProductView:
    return ProductView(
        sku=product.sku,
        name_en=product.name_en,
        name_zh=product.name_zh,
        category=product.category,
        price=product.price,
        currency="GBP",
        in_stock=int(product.stock or 0) > 0,
    )


def search_products(uow: UnitOfWork, query: object, *, limit: int = 5) -> SearchResult:
    """The best ``limit`` active products for ``query`` (any language), best first.

    Raises:
        ValidationError: nothing searchable in the query (field ``query``).
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
        raise ValidationError(f"limit must be 1..{MAX_RESULTS}", field="limit")
    concepts = query_concepts(query)
    if not concepts:
        raise ValidationError("Tell me what you are looking for.", field="query")
    terms = sorted({alt for concept in concepts for alt in concept.alternatives})
    with uow:
        candidates = uow.products.search(terms)
        scored = [(p, _score(p, concepts)) for p in candidates]
        ranked = sorted(
            ((p, s) for p, s in scored if s > 0),
            key=lambda ps: (-ps[1], int(ps[0].stock or 0) <= 0, len(ps[0].name_en), ps[0].sku),
        )
        return SearchResult(concepts, tuple(_view(p) for p, _ in ranked[:limit]))
