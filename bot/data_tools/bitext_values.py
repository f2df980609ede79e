"""Replace Bitext placeholder values with shop-like ones and annotate our entities.

Bitext's 2023 release carries "real-looking" values in the text (order ids such as
``113542617735902``, invoice ids ``#00108``, ``$299``/``1499 dollars``, ``Mr. Smith``,
``Platinum account``, ``Toronto``), tagged in its ``entity_type``/``entity_value``
columns (the offsets are not always exact, so we match the text itself). Newer Bitext
releases use ``{{Placeholder}}`` slots instead; :data:`PLACEHOLDERS` covers those too.
Values become Rasa markup only for our entities: ``order_number``, ``amount``,
``product``, ``quantity`` (plus ``email``/``phone`` if a placeholder asks for one).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence

# One uppercase letter + 4-8 digits (our order-number format).
ORDER_NUMBERS = (
    "A1023", "A1007", "A1100", "A1042", "A1219", "A1356", "A2048", "A10571",
    "B2231", "C4410", "K773201", "R536365", "R536367", "R537226", "R540011",
    "R548172", "R555104", "R562930", "R570412", "R581587", "S80931", "W20345",
    "A10234567", "R4470",
)  # fmt: skip
AMOUNTS_SYMBOL = (
    "£25.99", "£12.50", "£40", "£8.95", "£149", "£64.20", "£19.99", "£7.50",
    "$40", "$15.99", "€30", "£120", "£3.49", "£55", "£210.00", "£32.40",
)  # fmt: skip
AMOUNTS_WORDS = (
    "25 pounds", "40 pounds", "12.50 pounds", "149 pounds", "30 quid", "60 pounds",
    "15 dollars", "80 euros", "18.99 pounds", "300 pounds",
)  # fmt: skip
INVOICE_IDS = ("INV-20931", "INV-30417", "INV-11873", "INV-58210", "INV-40022", "INV-7716")
PERSON_NAMES = (
    "Mrs. Patel", "Mr. Evans", "Ms. Clarke", "Sophie Turner", "James Wilson",
    "Priya Shah", "Tom Hughes", "Mr. O'Brien",
)  # fmt: skip
ACCOUNT_TYPES = ("business", "trade", "wholesale", "personal", "guest", "standard", "loyalty")
CITIES = (
    "Manchester", "Leeds", "Glasgow", "Cardiff", "Belfast", "Bristol", "Edinburgh",
    "Dublin", "Paris", "Berlin", "Amsterdam", "Brighton",
)  # fmt: skip
COUNTRIES = (
    "Ireland", "France", "Germany", "Spain", "Norway", "Australia", "Canada",
    "Switzerland", "the Netherlands", "the USA",
)  # fmt: skip
WEBSITES = ("our website", "the shop website", "the app")
# (singular, plural) gift-shop products injected for generic "an item"/"several items".
PRODUCTS = (
    ("white hanging heart t-light holder", "white hanging heart t-light holders"),
    ("candle holder", "candle holders"),
    ("scented candle", "scented candles"),
    ("glass lantern", "glass lanterns"),
    ("fairy light garland", "fairy light garlands"),
    ("jumbo shopper bag", "jumbo shopper bags"),
    ("lunch bag", "lunch bags"),
    ("cake stand", "cake stands"),
    ("tea towel", "tea towels"),
    ("enamel mug", "enamel mugs"),
    ("cake tin", "cake tins"),
    ("doormat", "doormats"),
    ("photo frame", "photo frames"),
    ("notebook", "notebooks"),
    ("paper chain kit", "paper chain kits"),
    ("bird feeder", "bird feeders"),
    ("plant pot", "plant pots"),
    ("christmas bauble", "christmas baubles"),
    ("advent calendar", "advent calendars"),
    ("wall clock", "wall clocks"),
    ("hot water bottle", "hot water bottles"),
    ("recipe box", "recipe boxes"),
    ("storage jar", "storage jars"),
    ("wooden spinning top", "wooden spinning tops"),
)
QUANTITIES = ("2", "3", "4", "6", "two", "three", "four")
PRODUCT_RATE = 0.5  # share of generic item mentions that get a named product

# {{Placeholder}} name (lower-case) -> kind; unknown names fall back to their own words.
PLACEHOLDERS = {
    "order number": "order", "order id": "order", "purchase number": "order",
    "order number anonymized": "order", "purchase id anonymized": "order",
    "order id anonymized": "order", "purchase number anonymized": "order",
    "invoice number": "invoice", "bill number anonymized": "invoice",
    "invoice number anonymized": "invoice", "refund amount": "amount_symbol",
    "currency symbol": "drop", "person name": "person", "client first name": "person",
    "client last name": "person", "name field anonymized": "person",
    "account type": "account", "account category": "account", "delivery city": "city",
    "delivery country": "country", "website url": "website", "website name": "website",
    "email": "email", "email address": "email", "phone number": "phone",
}  # fmt: skip
EMAILS = ("alice@example.com", "j.smith@example.co.uk", "tom.h@example.org")
PHONES = ("+44 7700 900123", "07700 900456", "020 7946 0018")

Replacer = Callable[[re.Match[str]], str]


class Annotator:
    """Rewrites one utterance; values are drawn from a per-utterance seeded RNG.

    Replacements are stashed behind private-use sentinels so that later patterns never
    see (or re-match) markup produced by earlier ones.
    """

    def __init__(self, seed: str, entity_types: Iterable[str], known: dict[str, list[str]]):
        self.rng = random.Random(seed)
        self.types = set(entity_types)
        self.known = known
        self.stash: list[str] = []
        self.used: dict[str, str] = {}

    def _keep(self, markup: str) -> str:
        self.stash.append(markup)
        return f"\x00{chr(0xE000 + len(self.stash) - 1)}\x00"

    def _value(self, pool: Sequence[str], original: str) -> str:
        """Same original -> same value within an utterance; distinct originals differ."""
        key = original.lower()
        if key not in self.used:
            fresh = [v for v in pool if v not in self.used.values()] or list(pool)
            self.used[key] = self.rng.choice(fresh)
        return self.used[key]

    def _sub(self, pattern: re.Pattern[str], text: str, make: Replacer) -> str:
        def padded(match: re.Match[str]) -> str:
            value = make(match)
            before = text[match.start() - 1] if match.start() else " "
            after = text[match.end()] if match.end() < len(text) else " "
            left = " " if before.isalnum() else ""
            right = " " if after.isalnum() else ""
            return f"{left}{self._keep(value)}{right}"

        return pattern.sub(padded, text)

    def annotate(self, text: str) -> str:
        """Return ``text`` with placeholder values replaced and entities marked up."""
        text = self._sub(_PLACEHOLDER, text, self._placeholder)
        text = self._sub(_ORDER_ID, text, lambda m: self._entity(ORDER_NUMBERS, m, "order_number"))
        text = self._sub(_INVOICE_ID, text, lambda m: "#" + self._value(INVOICE_IDS, m[0]))
        text = self._sub(_MONEY_SYMBOL, text, lambda m: self._entity(AMOUNTS_SYMBOL, m, "amount"))
        text = self._sub(_MONEY_WORDS, text, lambda m: self._entity(AMOUNTS_WORDS, m, "amount"))
        if "refund_amount" in self.types:
            text = self._sub(
                _BARE_NUMBER, text, lambda m: self._entity(AMOUNTS_SYMBOL, m, "amount")
            )
        text = self._literal(text, "person_name", PERSON_NAMES)
        if self.types & {"delivery_city", "delivery_country"}:
            text = self._literal(text, "delivery_city", CITIES)
            text = self._literal(text, "delivery_country", COUNTRIES)
        if "account_type" in self.types:
            text = self._sub(_ACCOUNT, text, lambda m: self._value(ACCOUNT_TYPES, m[0]))
        text = self._sub(_ACCOUNT_BEFORE_NOUN, text, lambda m: self._value(ACCOUNT_TYPES, m[0]))
        text = self._sub(_ONE_ITEM, text, self._one_product)
        text = self._sub(_SOME_ITEMS, text, self._some_products)
        text = re.sub("\x00(.)\x00", lambda m: self.stash[ord(m[1]) - 0xE000], text)
        text = _ARTICLE.sub(lambda m: ("an " if m[2][0] in "aeiou" else "a ") + m[2], text)
        return " ".join(text.split())

    def _entity(self, pool: Sequence[str], match: re.Match[str], entity: str) -> str:
        return f"[{self._value(pool, match[0])}]({entity})"

    def _literal(self, text: str, entity_type: str, pool: Sequence[str]) -> str:
        values = sorted(self.known.get(entity_type, []), key=len, reverse=True)
        if not values:
            return text
        alternatives = "|".join(map(re.escape, values))
        pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
        return self._sub(pattern, text, lambda m: self._value(pool, m[0]))

    def _placeholder(self, match: re.Match[str]) -> str:
        name = " ".join(match[1].lower().split())
        kind = PLACEHOLDERS.get(name, "")
        if kind in _PLAIN_POOLS:
            return self._value(_PLAIN_POOLS[kind], match[0])
        if kind in _ENTITY_POOLS:
            pool, entity = _ENTITY_POOLS[kind]
            return self._entity(pool, match, entity)
        return "" if kind == "drop" else name

    def _one_product(self, match: re.Match[str]) -> str:
        if self.rng.random() >= PRODUCT_RATE:
            return match[0]
        product = self.rng.choice(PRODUCTS)[0]
        det = match["det"]
        if det.lower() in {"a", "an", "one"}:
            det = "an" if product[0] in "aeiou" else "a"
        return f"{det} [{product}](product)"

    def _some_products(self, match: re.Match[str]) -> str:
        if self.rng.random() >= PRODUCT_RATE:
            return match[0]
        plural = self.rng.choice(PRODUCTS)[1]
        if self.rng.random() < 0.5:
            return f"{match['det']} [{plural}](product)"
        return f"[{self.rng.choice(QUANTITIES)}](quantity) [{plural}](product)"


_PLAIN_POOLS = {"invoice": INVOICE_IDS, "person": PERSON_NAMES, "account": ACCOUNT_TYPES,
                "city": CITIES, "country": COUNTRIES, "website": WEBSITES}  # fmt: skip
_ENTITY_POOLS = {
    "order": (ORDER_NUMBERS, "order_number"), "email": (EMAILS, "email"),
    "phone": (PHONES, "phone"), "amount_symbol": (AMOUNTS_SYMBOL, "amount"),
}  # fmt: skip
_ARTICLE = re.compile(rf"\b(an?) ({'|'.join(ACCOUNT_TYPES)})\b")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_ORDER_ID = re.compile(r"(?<![#\d])\d{6,}")
_INVOICE_ID = re.compile(r"#\s?\d{3,}")
_MONEY_SYMBOL = re.compile(r"[$€£]\s?\d+(?:[.,]\d{1,2})?")
_MONEY_WORDS = re.compile(r"\b\d+(?:\.\d{1,2})?\s?(?:dollars?|bucks|usd|euros?)\b", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")
_ACCOUNT = re.compile(
    r"(?i:(?<![a-z])(?:freemium|platinum|premium|standard|gold|free|pro)(?![a-z]))"
    r"|(?<=[a-z])(?:Freemium|Platinum|Premium|Standard|Gold|Free|Pro)(?![a-z])"
    r"|(?i:(?<![a-z])(?:freemium|platinum|premium|standard|gold|free|pro)(?=account|profile))"
)
_ACCOUNT_BEFORE_NOUN = re.compile(
    r"(?:freemium|platinum|premium|standard|gold|free|pro)"
    r"(?=\s*-?\s*(?:accounts?|acount|acc\b|profiles?|user|membership|plan))",
    re.IGNORECASE,
)
_ONE_ITEM = re.compile(
    r"\b(?P<det>an?|this|the|that|one) (?:item|product|article)\b(?!s)", re.IGNORECASE
)
_SOME_ITEMS = re.compile(
    r"\b(?P<det>several|some|a few|these|those) (?:items|products|articles)\b", re.IGNORECASE
)


def annotate(text: str, seed: str, entity_types: Iterable[str], known: dict[str, list[str]]) -> str:
    """Convenience wrapper around :class:`Annotator` for one utterance."""
    return Annotator(seed, entity_types, known).annotate(text)
