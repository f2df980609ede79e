"""The payment methods we accept: where, in which currencies, and how customers name them.

Data plus pure functions (no database): the bot answers "do you take Alipay?" or "how can
I pay in China?" from :data:`PAYMENT_METHODS`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Optional, Tuple

UK, EU, CN = "UK", "EU", "CN"
REGIONS = (UK, EU, CN)
REGION_NAMES = {UK: ("the UK", "英国"), EU: ("the EU", "欧盟"), CN: ("China", "中国")}
"""How each region is named to customers (English, Chinese)."""
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


@dataclass(frozen=True)
class PaymentMethodInfo:
    code: str
    name_en: str
    name_zh: str
    regions: Tuple[str, ...]
    currencies: Tuple[str, ...]
    aliases: Tuple[str, ...]  # lower-case words customers use for it (English and Chinese)

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


PAYMENT_METHODS: Tuple[PaymentMethodInfo, ...] = (
    PaymentMethodInfo(
        "card",
        "Credit or debit card (Visa, Mastercard, American Express)",
        "信用卡或借记卡（Visa、万事达、美国运通）",
        (UK, EU, CN),
        ("GBP", "EUR", "CNY"),
        (
            "card",
            "visa",
            "mastercard",
            "amex",
            "american express",
            "maestro",
            "debit",
            "credit",
            "信用卡",
            "借记卡",
            "储蓄卡",
            "银行卡",
            "万事达",
            "美国运通",
        ),
    ),
    PaymentMethodInfo(
        "paypal",
        "PayPal",
        "PayPal",
        (UK, EU),
        ("GBP", "EUR"),
        ("paypal", "pay pal", "贝宝"),
    ),
    PaymentMethodInfo(
        "apple_pay",
        "Apple Pay",
        "Apple Pay",
        (UK, EU),
        ("GBP", "EUR"),
        ("apple pay", "applepay", "苹果支付"),
    ),
    PaymentMethodInfo(
        "alipay",
        "Alipay",
        "支付宝",
        (CN,),
        ("CNY",),
        ("alipay", "ali pay", "支付宝"),
    ),
    PaymentMethodInfo(
        "wechat_pay",
        "WeChat Pay",
        "微信支付",
        (CN,),
        ("CNY",),
        ("wechat", "weixin", "微信"),
    ),
    PaymentMethodInfo(
        "bank_transfer",
        "Bank transfer (the order ships once the money arrives)",
        "银行转账（到账后发货）",
        (UK, EU),
        ("GBP", "EUR"),
        ("bank transfer", "transfer", "wire", "转账", "汇款"),
    ),
)
"""What we accept, where, and in which currencies the customer can pay."""

_REGION_WORDS = (
    (CN, ("china", "chinese", "mainland", "中国", "国内", "大陆", "人民币", "rmb", "cny")),
    (
        UK,
        (
            "uk",
            "u.k.",
            "britain",
            "british",
            "england",
            "scotland",
            "wales",
            "united kingdom",
            "英国",
            "英镑",
            "gbp",
            "pound",
        ),
    ),
    (
        EU,
        (
            "europe",
            "european",
            "eu",
            "germany",
            "france",
            "ireland",
            "netherlands",
            "spain",
            "italy",
            "欧洲",
            "欧盟",
            "德国",
            "法国",
            "爱尔兰",
            "荷兰",
            "欧元",
            "euro",
            "eur",
        ),
    ),
)


def region_for_country(country: Optional[str]) -> Optional[str]:
    """UK / EU / CN for an ISO country code, None if we don't ship there."""
    code = (country or "").strip().upper()
    if code in ("GB", "UK"):
        return UK
    if code == "CN":
        return CN
    return EU if code in EU_COUNTRIES else None


def _words(text: str) -> str:
    """Lower-case words separated by single spaces, each Han character its own word."""
    folded = unicodedata.normalize("NFKC", text[:500]).lower()
    spaced = "".join(
        f" {ch} " if ord(ch) > 0x2E7F else (ch if ch.isalnum() else " ") for ch in folded
    )
    return " " + " ".join(spaced.split()) + " "


def _mentions(haystack: str, word: str) -> bool:
    if word.isascii():
        return f" {word} " in haystack
    return word.replace(" ", "") in haystack.replace(" ", "")


def region_in_text(text: object) -> Optional[str]:
    """The region a message talks about ("in China", "英国"), or None."""
    if not isinstance(text, str):
        return None
    haystack = _words(text)
    for region, words in _REGION_WORDS:
        if any(_mentions(haystack, _words(w).strip()) for w in words):
            return region
    return None


def method_in_text(text: object) -> Optional[PaymentMethodInfo]:
    """The payment method a message asks about ("do you take Alipay?"), or None."""
    if not isinstance(text, str):
        return None
    haystack = _words(text)
    for method in PAYMENT_METHODS:
        if any(_mentions(haystack, _words(alias).strip()) for alias in method.aliases):
            return method
    return None


def region_name(region: str, language: str) -> str:
    english, chinese = REGION_NAMES.get(region, (region, region))
    return chinese if language == "zh" else english


def payment_methods(region: Optional[str] = None) -> Tuple[PaymentMethodInfo, ...]:
    """The methods available in ``region`` (all of them if None or unknown)."""
    if region not in REGIONS:
        return PAYMENT_METHODS
    return tuple(m for m in PAYMENT_METHODS if region in m.regions)
