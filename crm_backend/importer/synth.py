"""Deterministic synthetic details for imported records (the dataset has no personal data).

Everything is derived from a per-record ``random.Random(f"{seed}:{key}")`` (string seeds are
hashed with SHA-512, so results do not depend on PYTHONHASHSEED or on import order): the same
CustomerID always gets the same name, e-mail, phone and language, so re-imports are stable.

- ~25 % Chinese speakers (Faker ``zh_CN`` names), the rest Faker ``en_GB``.
- E-mails ``<name>.<ref>@example.com|cn``: the CustomerID makes them unique and they never
  collide with the seed's ``<name><n>@example.com``.
- Phones only from Ofcom's fictional "drama" ranges (never the seed's 07700 900xxx),
  unique per numeric CustomerID; ~10 % have none.
- Orders: carrier by country, tracking numbers in the carrier's format, a delivered timeline.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Optional, Tuple

from faker import Faker

from crm_backend.seed.orders import CARRIERS_BY_COUNTRY, INTERNATIONAL_CARRIERS, tracking_number

CHINESE_SHARE = 0.25
# Ofcom numbers reserved for drama (1000 each): "+44 <prefix>" + 3 digits
PHONE_RANGES = (
    "113 496 0",
    "114 496 0",
    "115 496 0",
    "116 496 0",
    "117 496 0",
    "118 496 0",
    "121 496 0",
    "131 496 0",
    "141 496 0",
    "151 496 0",
    "161 496 0",
    "191 498 0",
    "20 7946 0",
    "29 2018 0",
    "1632 960",
)
FIRST_CUSTOMER_ID = 12346  # smallest Online Retail CustomerID
COUNTRIES: Dict[str, Optional[str]] = {
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "eire": "IE",
    "ireland": "IE",
    "germany": "DE",
    "france": "FR",
    "spain": "ES",
    "netherlands": "NL",
    "belgium": "BE",
    "switzerland": "CH",
    "portugal": "PT",
    "australia": "AU",
    "norway": "NO",
    "italy": "IT",
    "finland": "FI",
    "cyprus": "CY",
    "sweden": "SE",
    "austria": "AT",
    "denmark": "DK",
    "japan": "JP",
    "poland": "PL",
    "israel": "IL",
    "usa": "US",
    "united states": "US",
    "hong kong": "HK",
    "singapore": "SG",
    "iceland": "IS",
    "canada": "CA",
    "greece": "GR",
    "malta": "MT",
    "united arab emirates": "AE",
    "rsa": "ZA",
    "south africa": "ZA",
    "lebanon": "LB",
    "lithuania": "LT",
    "brazil": "BR",
    "czech republic": "CZ",
    "bahrain": "BH",
    "saudi arabia": "SA",
    "china": "CN",
    "channel islands": None,
    "unspecified": None,
    "european community": None,
}
ISO_CODES = {code for code in COUNTRIES.values() if code}
CATEGORY_KEYWORDS: Tuple[Tuple[str, str], ...] = (
    (
        "christmas",
        r"CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWFLAKE|BAUBLE|NATIVITY|TREE TOP"
        r"|SLEIGH",
    ),
    (
        "accessories",
        r"NECKLACE|NECKLAC|EARRINGS?|BRACELET|BANGLE|BROOCH|RING|HAIR ?CLIPS?"
        r"|HAIRBAND|HAIR|UMBRELLA|WASHBAG|KEY ?FOB|KEYRING|LUGGAGE TAG|CHARM|PASSPORT|WALLET"
        r"|SCARF|GLOVES|HAT",
    ),
    ("bags", r"BAG|SHOPPER|TOTE|PURSE|LUNCH BOX|SHOULDER"),
    (
        "candles_lights",
        r"CANDLE|CANDLEHOLDER|CANDLEPOT|T-?LIGHT|TEALIGHT|LANTERN|LAMP|LIGHT"
        r"|INCENSE|CHANDELIER|LAMPSHADE|SHADE|OIL BURNER",
    ),
    (
        "garden",
        r"GARDEN|PLANT|PLANTER|WATERING|HERB|BIRD ?(?:FEEDER|TABLE|HOUSE)|THERMOMETER"
        r"|KNEELING|FLOWER POT|TROWEL|PARASOL|WIND ?CHIME|BIRDHOUSE|HAMMOCK|POLE SUPPORT",
    ),
    (
        "kitchen",
        r"CAKE|MUG|CUP|SAUCER|PLATE|PLATTER|BOWL|TEA|TEAPOT|JAM|BAKING|KITCHEN"
        r"|RECIPE|NAPKIN|SPOON|CUTLERY|JUG|BOTTLE|APRON|OVEN|EGG|PANTRY|TRAY|COASTER|LUNCH"
        r"|CHOPSTICK|SCALES|JAR|TUMBLER|BEAKER|GLASS|STRAW|BISCUIT|SUGAR|POPCORN|DOILY|PICNIC"
        r"|PLACEMAT|FOOD COVER|BREAD BIN|SNACK BOX|TIN|BREAKFAST|CAKESTAND|TEA TOWEL",
    ),
    (
        "stationery",
        r"CARD|PEN|PENCIL|NOTEBOOK|NOTE ?BOOK|WRAP|PAPER|STICKER|TAPE|ENVELOPE"
        r"|GIFT TAG|TAG|CRAYON|RIBBON|JOURNAL|STATIONERY|ERASER|CALENDAR|DIARY|BOOK|INVITES"
        r"|TISSUES|SCISSOR",
    ),
    (
        "toys",
        r"TOY|GAME|DOLL|DOLLY|PUZZLE|DOMINO|JIGSAW|PLAYHOUSE|SKITTLES|HARMONICA"
        r"|SPINNING TOP|BALLOON|KIT|PLAYING|SOLDIER|TEDDY|SPACEBOY|DINOSAUR|SKIPPING ROPE"
        r"|FELTCRAFT|PATCHES|TOOL SET|BICYCLE BELL",
    ),
    (
        "home_decor",
        r"SIGN|FRAME|CLOCK|HEART|CUSHION|DOORMAT|HANGING|DECORATION|MIRROR|VASE"
        r"|WREATH|BUNTING|GARLAND|HOOK|DOORSTOP|ORNAMENT|BOX|CABINET|DRAWER|WALL|RACK|BASKET"
        r"|ART FLOWER|FLOWER|THROW|TOWEL|FLANNEL|PICTURE|MAGNET|BUDDHA|DUCK|LETTERS|STOOL"
        r"|DRAWERKNOB|KNOB|TRINKET|BATHROOM|FLAG|EASTER|CHICK|HEN|FILLER PAD|SHELF",
    ),
)
FALLBACK_CATEGORY = "other"
_CATEGORY_RES = tuple(
    (name, re.compile(rf"\b(?:{pattern})S?\b")) for name, pattern in CATEGORY_KEYWORDS
)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: Optional[str]
    language: str  # "en" | "zh"
    marketing_consent: bool
    newsletter: bool


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".") or "customer"


def _stable_int(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def fictional_phone(ref: str) -> str:
    """A UK drama-range number, unique for numeric CustomerIDs 12346..27345."""
    index = int(ref) - FIRST_CUSTOMER_ID if ref.isdigit() else _stable_int(ref)
    index %= len(PHONE_RANGES) * 1000
    prefix = PHONE_RANGES[index // 1000]
    return f"+44 {prefix}{index % 1000:03d}"


class PeopleFactory:
    """Synthetic customers, each a pure function of (seed, customer ref)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._fakers = {"en": Faker("en_GB"), "zh": Faker("zh_CN")}

    def person(self, ref: str) -> Person:
        rng = random.Random(f"{self.seed}:customer:{ref}")
        language = "zh" if rng.random() < CHINESE_SHARE else "en"
        fake = self._fakers[language]
        fake.seed_instance(rng.getrandbits(32))
        ref_slug = _slug(ref)
        if language == "zh":
            name = f"{fake.last_name()}{fake.first_name()}"
            email = f"{_slug(fake.user_name())}.{ref_slug}@example.cn"
        else:
            first, last = fake.first_name(), fake.last_name()
            name = f"{first} {last}"
            email = f"{_slug(first)}.{_slug(last)}.{ref_slug}@example.com"
        phone = None if rng.random() < 0.1 else fictional_phone(ref)
        return Person(
            name=name,
            email=email,
            phone=phone,
            language=language,
            marketing_consent=rng.random() < 0.55,
            newsletter=rng.random() < 0.35,
        )


def country_code(value: str) -> Optional[str]:
    """ISO 3166-1 alpha-2 for a dataset country name or code; None if unknown."""
    text = value.strip()
    if text.upper() in ISO_CODES:
        return text.upper()
    return COUNTRIES.get(text.lower())


def category_for(name: str) -> str:
    """A catalogue category from keywords in the name: the seed's 8, accessories, or other."""
    upper = name.upper()
    for category, pattern in _CATEGORY_RES:
        if pattern.search(upper):
            return category
    return FALLBACK_CATEGORY


def stock_for(sku: str) -> int:
    return (0, 5, 12, 25, 40, 60, 100, 150)[_stable_int(f"stock:{sku}") % 8]


@dataclass(frozen=True)
class Logistics:
    paid_at: datetime
    shipped_at: datetime
    estimated_delivery: datetime
    delivered_at: datetime
    carrier: str
    tracking_number: str
    payment_method: str


def logistics(
    seed: int, number: str, placed_at: datetime, country: Optional[str], language: str
) -> Logistics:
    """A delivered order's timeline, carrier, tracking number and payment method."""
    rng = random.Random(f"{seed}:order:{number}")
    domestic = country in (None, "GB")
    carrier = rng.choice(CARRIERS_BY_COUNTRY.get(country or "GB", INTERNATIONAL_CARRIERS))
    paid = placed_at + timedelta(minutes=rng.randint(1, 20))
    shipped = placed_at + timedelta(hours=rng.randint(18, 30))
    transit = timedelta(days=rng.randint(1, 3) if domestic else rng.randint(3, 7))
    methods = ("alipay", "wechat_pay") if language == "zh" else ("card", "card", "paypal")
    return Logistics(
        paid_at=paid,
        shipped_at=shipped,
        estimated_delivery=shipped + timedelta(days=3 if domestic else 6),
        delivered_at=shipped + transit + timedelta(hours=rng.randint(0, 10)),
        carrier=carrier,
        tracking_number=tracking_number(rng, carrier),
        payment_method=rng.choice(methods),
    )
