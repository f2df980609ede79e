"""Postal addresses: parse one free-text message into fields, and validate fields.

Pure functions (the bot's form validator and the shipping service share them). Customers
type addresses in one message, e.g. ``12 Example Road, Flat 3, London SW1A 1AA`` or
``上海市浦东新区世纪大道100号 200120``. Sanity checks: a real-looking UK postcode for the UK,
a 6-digit postcode for China, the usual formats for EU countries, sensible lengths and no
characters that never occur in addresses. Errors are :class:`AddressError` with ``field``
one of ``address`` (unreadable), ``line1``, ``city``, ``postcode``, ``country``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from crm_backend.errors import ValidationError
from crm_backend.services.countries import COUNTRIES, country_from_name, country_name

MAX_ADDRESS_TEXT = 300
MAX_LINE = 200
MAX_CITY = 100

UK_POSTCODE = re.compile(
    r"(?<![A-Z0-9])(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})"
    r"(?![A-Z0-9])"
)
CN_POSTCODE = re.compile(r"(?<![0-9])([0-8][0-9]{5})(?![0-9])")
# formats of the countries we ship to most (others: optional, loosely checked)
POSTCODE_FORMATS: Dict[str, str] = {
    "GB": UK_POSTCODE.pattern,
    "CN": CN_POSTCODE.pattern,
    **{c: r"(?<![0-9])([0-9]{5})(?![0-9])" for c in ("DE", "FR", "IT", "ES", "FI", "HR", "EE")},
    **{
        c: r"(?<![0-9])([0-9]{4})(?![0-9])"
        for c in ("AT", "BE", "BG", "DK", "HU", "LU", "SI", "CY", "CH", "NO", "AU", "NZ")
    },
    **{c: r"(?<![0-9])([0-9]{3} ?[0-9]{2})(?![0-9])" for c in ("SE", "CZ", "SK", "GR")},
    "NL": r"(?<![0-9])([0-9]{4} ?[A-Z]{2})(?![A-Z])",
    "PL": r"(?<![0-9])([0-9]{2}-[0-9]{3})(?![0-9])",
    "PT": r"(?<![0-9])([0-9]{4}-[0-9]{3})(?![0-9])",
    "LT": r"(?<![0-9])((?:LT-)?[0-9]{5})(?![0-9])",
    "LV": r"(?<![0-9])((?:LV-)?[0-9]{4})(?![0-9])",
    "RO": r"(?<![0-9])([0-9]{6})(?![0-9])",
    "MT": r"(?<![A-Z])([A-Z]{3} ?[0-9]{4})(?![0-9])",
    "IE": r"(?<![A-Z0-9])([AC-FHKNPRTV-Y][0-9]{2}|D6W) ?([0-9AC-FHKNPRTV-Y]{4})(?![A-Z0-9])",
    "US": r"(?<![0-9])([0-9]{5}(?:-[0-9]{4})?)(?![0-9])",
    "JP": r"(?<![0-9])([0-9]{3}-[0-9]{4})(?![0-9])",
    "SG": r"(?<![0-9])([0-9]{6})(?![0-9])",
    "IN": r"(?<![0-9])([0-9]{6})(?![0-9])",
    "CA": r"(?<![A-Z0-9])([A-Z][0-9][A-Z] ?[0-9][A-Z][0-9])(?![A-Z0-9])",
}
POSTCODE_OPTIONAL = frozenset({"IE", "HK", "MO", "AE"})
"""Places where many addresses have no postcode; elsewhere a known format is required."""

_ALLOWED_PUNCTUATION = set(" ,.-/#'’()&:;\n")
_SEPARATORS = re.compile(r"[,;\n，；、]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_CN_MUNICIPALITY = re.compile(r"^(北京|上海|天津|重庆)(市)?")
_CN_CITY = re.compile(
    r"^((?:[\u4e00-\u9fff]{2,8}?(?:省|自治区|特别行政区))?[\u4e00-\u9fff]{2,8}?(?:市|自治州|地区|盟))"
)


class AddressError(ValidationError):
    """An address that cannot be used; ``field`` says which part is wrong."""


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    postcode: Optional[str] = None
    line2: Optional[str] = None

    def as_dict(self) -> Dict[str, Optional[str]]:
        return asdict(self)

    def lines(self, language: str = "en") -> List[str]:
        if self.country == "CN" and _HAN.search(self.city + self.line1):
            head = f"{country_name('CN', language)} {self.city}{self.line1}{self.line2 or ''}"
            return [head + (f"（{self.postcode}）" if self.postcode else "")]
        parts = [self.line1, self.line2 or "", f"{self.city} {self.postcode or ''}".strip()]
        return [p for p in parts if p] + [country_name(self.country, language)]

    def one_line(self, language: str = "en") -> str:
        return ", ".join(self.lines(language))


def _clean(text: object, limit: int) -> str:
    if not isinstance(text, str):
        raise AddressError("Please type the address as text.", field="address")
    if len(text) > limit * 4:
        raise AddressError("That address is far too long.", field="address")
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[ \t]+", " ", text).strip()
    if len(text) > limit:
        raise AddressError("That address is too long.", field="address")
    for ch in text:
        if ch not in _ALLOWED_PUNCTUATION and unicodedata.category(ch)[0] not in "LNM":
            raise AddressError(
                "Addresses can only contain letters, digits and , . - / # ' ( ) & characters.",
                field="address",
            )
    return text


def _find_postcode(country: str, text: str) -> Optional[Tuple[str, int, int]]:
    pattern = POSTCODE_FORMATS.get(country)
    if pattern is None:
        return None
    # the last match: postcodes come after the street number
    match = next(reversed(list(re.finditer(pattern, text, re.IGNORECASE))), None)
    if match is None:
        return None
    value = " ".join(g for g in match.groups() if g) if country == "IE" else match.group(1)
    return value.upper(), match.start(), match.end()


def normalise_postcode(country: str, postcode: Optional[str]) -> Optional[str]:
    """A postcode in its usual form (``sw1a1aa`` -> ``SW1A 1AA``); raises AddressError."""
    code = (postcode or "").strip().upper()
    if not code:
        if country in POSTCODE_FORMATS and country not in POSTCODE_OPTIONAL:
            raise AddressError("The postcode is missing.", field="postcode")
        return None
    found = _find_postcode(country, code)
    if country in POSTCODE_FORMATS:
        if found is None or found[1] != 0 or found[2] != len(code):
            raise AddressError("That postcode is not valid for this country.", field="postcode")
        code = found[0]
        if country == "GB":
            compact = code.replace(" ", "")
            code = f"{compact[:-3]} {compact[-3:]}"
    elif len(code) > 12 or not re.fullmatch(r"[A-Z0-9][A-Z0-9 -]*", code):
        raise AddressError("That postcode is not valid.", field="postcode")
    return code


def validate_address(fields: Mapping[str, Any]) -> PostalAddress:
    """Check address fields (from a form or from :func:`parse_address`); returns a clean one."""
    if not isinstance(fields, Mapping):
        raise AddressError("Please give the address.", field="address")
    country = country_from_name(str(fields.get("country") or ""))
    if country is None:
        raise AddressError("Please say which country the address is in.", field="country")
    line1 = _clean(str(fields.get("line1") or ""), MAX_LINE)
    line2 = _clean(str(fields.get("line2") or ""), MAX_LINE) or None
    city = _clean(str(fields.get("city") or ""), MAX_CITY)
    if len(line1) < 3 or not re.search(r"[^\W\d_]", line1):
        raise AddressError("The street part of the address is missing.", field="line1")
    if len(city) < 2 or not re.search(r"[^\W\d_]", city) or re.search(r"\d", city):
        raise AddressError("The town or city is missing.", field="city")
    postcode = normalise_postcode(country, fields.get("postcode"))
    return PostalAddress(line1=line1, line2=line2, city=city, postcode=postcode, country=country)


def _split_country(
    parts: List[str], default_country: Optional[str]
) -> Tuple[List[str], Optional[str]]:
    if parts:
        whole = country_from_name(parts[-1])
        if whole is not None and (len(parts) > 1 or _HAN.search(parts[-1]) is None):
            return parts[:-1], whole
        words = parts[-1].rsplit(" ", 2)
        for cut in (2, 1):
            if len(words) > cut:
                tail = " ".join(words[-cut:])
                code = country_from_name(tail)
                if code is not None and len(tail) > 2:
                    return parts[:-1] + [" ".join(words[:-cut])], code
        for code in ("CN",):  # "中国上海市..." puts the country first
            name = COUNTRIES[code][1]
            if parts[0].startswith(name):
                rest = parts[0][len(name) :].strip()
                return ([rest] if rest else []) + parts[1:], code
    return parts, default_country


def _guess_country(text: str) -> Optional[str]:
    if UK_POSTCODE.search(text.upper()):
        return "GB"
    if _HAN.search(text):
        return "CN"  # an address written in Chinese characters is in China
    return None


def _parse_chinese(parts: List[str]) -> Dict[str, Optional[str]]:
    text = "".join(p.replace(" ", "") for p in parts[:1])
    extra = "，".join(parts[1:]) or None
    match = _CN_MUNICIPALITY.match(text) or _CN_CITY.match(text)
    if match is None:
        raise AddressError("Please include the city, e.g. 上海市 or 广东省深圳市.", field="city")
    return {"city": match.group(0), "line1": text[match.end() :].strip(), "line2": extra}


def _parse_latin(parts: List[str]) -> Dict[str, Optional[str]]:
    if len(parts) == 1:  # "10 Downing Street London": the last word is the town
        words = parts[0].rsplit(" ", 1)
        if len(words) < 2:
            raise AddressError(
                "Please give the street, the town and the postcode.", field="address"
            )
        parts = words
    return {"line1": parts[0], "line2": ", ".join(parts[1:-1]) or None, "city": parts[-1]}


def parse_address(text: object, default_country: Optional[str] = None) -> PostalAddress:
    """Read one free-text address into fields and validate them.

    The country comes from the text ("..., UK", "中国..."), else from the postcode's shape
    (UK postcode; Chinese text with a 6-digit code), else ``default_country``.

    Raises:
        AddressError: unreadable, or a part missing/invalid (see ``field``).
    """
    cleaned = _clean(text, MAX_ADDRESS_TEXT)
    parts = [p.strip(" .") for p in _SEPARATORS.split(cleaned)]
    parts = [p for p in parts if re.search(r"[^\W_]", p)]  # drop punctuation-only parts
    if not parts:
        raise AddressError("Please type the address.", field="address")
    parts, country = _split_country(parts, None)
    country = country or _guess_country(cleaned) or default_country
    if country is None:
        raise AddressError("Please add the country at the end, e.g. UK.", field="country")
    postcode: Optional[str] = None
    for index in range(len(parts) - 1, -1, -1):
        found = _find_postcode(country, parts[index])
        if found is not None:
            postcode = found[0]
            rest = (parts[index][: found[1]] + parts[index][found[2] :]).strip(" .-")
            parts = parts[:index] + ([rest] if rest else []) + parts[index + 1 :]
            break
    if postcode is None and country in POSTCODE_FORMATS and country not in POSTCODE_OPTIONAL:
        raise AddressError("A valid postcode is missing.", field="postcode")
    if not parts:
        raise AddressError("The street part of the address is missing.", field="line1")
    if country == "CN" and _HAN.search("".join(parts)):
        fields = _parse_chinese(parts)
    else:
        fields = _parse_latin(parts)
    return validate_address({**fields, "postcode": postcode, "country": country})


def address_from_dict(data: object) -> Optional[PostalAddress]:
    """Rebuild a validated address from :meth:`PostalAddress.as_dict` (e.g. a slot value)."""
    if not isinstance(data, Mapping):
        return None
    try:
        return validate_address(data)
    except ValidationError:
        return None
