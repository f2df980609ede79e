"""Language of a customer message: English, Chinese, or undecided.

The rule is deliberately simple and explainable. Han characters mean Chinese (Chinese
customers mix in English words — "我的order还没到" — the reverse is rare). Latin words,
once identifiers like order numbers, e-mails and URLs are removed, mean English. A message
of only identifiers, digits, emoji or punctuation is undecided: the conversation keeps the
language it had (or the one the widget's toggle asks for).
"""

from __future__ import annotations

import re
from typing import Optional

from bot.nlu.segmentation import HAN

SUPPORTED_LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LANGUAGE_SLOT = "language"

_HAN_CHAR = re.compile(f"[{HAN}]")
_IDENTIFIERS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+|\b[A-Za-z]{1,2}\d[\w-]*\b"
    r"|\b[A-Za-z]{1,3}-[A-Za-z]?\d[\w-]*\b"  # references like RF-000042, T-000123
)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> Optional[str]:
    """Return ``"zh"``, ``"en"`` or ``None`` when the text gives no evidence."""
    if not text:
        return None
    han = len(_HAN_CHAR.findall(text))
    if han:
        return "zh"
    cleaned = _IDENTIFIERS.sub(" ", text)
    if _LATIN_WORD.search(cleaned):
        return "en"
    if len(cleaned.strip()) == 1 and cleaned.strip().isalpha() and cleaned.strip().isascii():
        return "en"  # "k", "y", "n"
    return None


def normalise_language(value: object) -> Optional[str]:
    """Map a user-supplied language tag (``zh-CN``, ``EN``, ``中文``) to a supported code."""
    if not isinstance(value, str):
        return None
    tag = value.strip().lower()
    if tag.startswith("zh") or tag in {"中文", "cn", "chinese"}:
        return "zh"
    if tag.startswith("en") or tag == "english":
        return "en"
    return None


def language_slot_update(detected: object, current: object) -> Optional[str]:
    """The new value of the ``language`` slot after a message, or None to keep it.

    A message in a supported language switches the conversation to it; a message without
    evidence (an order number, an e-mail, an emoji) keeps the current language.
    """
    if detected in SUPPORTED_LANGUAGES and detected != current:
        return str(detected)
    return None
