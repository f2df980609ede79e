"""Parsing and normalising what customers type: order numbers, e-mails, phone numbers.

Pure functions, no database: the bot's form validation imports these too. Every function
accepts any ``str`` (huge, binary-ish, emoji, full-width) without raising anything but
:class:`~crm_backend.errors.ValidationError` (for the ``normalise_*`` functions).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from crm_backend.errors import ValidationError

ORDER_NUMBER_FORMAT = "one letter followed by 4 to 8 digits, e.g. A1023"
_ORDER_NUMBER_RE = re.compile(r"[A-Z][0-9]{4,8}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_INPUT = 320  # longer than any valid value; longer inputs are rejected before parsing
MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 15  # E.164


def _prepare(value: object) -> Optional[str]:
    """NFKC-fold and strip ``value``; None if it is not a str or is too long to be valid."""
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        return None
    # NFKC maps full-width "Ａ１００１" / "１３８…" (common with Chinese IMEs) to ASCII
    return unicodedata.normalize("NFKC", value).strip()


def _clean_order_number(value: object) -> Optional[str]:
    text = _prepare(value)
    if text is None:
        return None
    text = text.lstrip("#").replace(" ", "").replace("-", "").upper()
    return text if _ORDER_NUMBER_RE.fullmatch(text) else None


def is_valid_order_number(value: object) -> bool:
    """True if ``value`` is (after normalising) an order number like ``A1023``."""
    return _clean_order_number(value) is not None


def normalise_order_number(value: object) -> str:
    """``" #a1001 "`` -> ``"A1001"``; raises ValidationError for anything else."""
    cleaned = _clean_order_number(value)
    if cleaned is None:
        raise ValidationError(
            f"Invalid order number: expected {ORDER_NUMBER_FORMAT}.", field="order_number"
        )
    return cleaned


def _clean_email(value: object) -> Optional[str]:
    text = _prepare(value)
    if text is None or len(text) > 254 or not _EMAIL_RE.fullmatch(text):
        return None
    if any(unicodedata.category(ch)[0] == "C" for ch in text):  # control/format chars, NUL
        return None
    return text.lower()


def is_valid_email(value: object) -> bool:
    return _clean_email(value) is not None


def normalise_email(value: object) -> str:
    """Strip and lower-case an e-mail address; raises ValidationError if it is not one."""
    cleaned = _clean_email(value)
    if cleaned is None:
        raise ValidationError("Invalid e-mail address.", field="email")
    return cleaned


def _clean_phone(value: object) -> Optional[str]:
    text = _prepare(value)
    if text is None or not text or not re.fullmatch(r"[0-9+()\-./\s]+", text, re.ASCII):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS + 2:  # +2: "00" prefix
        return None
    return digits


def is_valid_phone(value: object) -> bool:
    return _clean_phone(value) is not None


def normalise_phone(value: object) -> str:
    """The digits of a phone number (``"+44 7700 900123"`` -> ``"447700900123"``).

    Accepts spaces, ``+ ( ) - . /`` separators; raises ValidationError otherwise or if the
    number has fewer than 8 or more than 15 digits.
    """
    cleaned = _clean_phone(value)
    if cleaned is None:
        raise ValidationError(
            "Invalid phone number: use 8 to 15 digits, e.g. +44 7700 900123.", field="phone"
        )
    return cleaned


def phones_match(given: str, stored: Optional[str]) -> bool:
    """Do two phone numbers denote the same line?

    Compares digits only, ignoring leading zeros (``00`` international / ``0`` trunk
    prefix); equal, or one is a suffix of the other with at least 8 digits in common
    (``07700 900123`` matches ``+44 7700 900123``; ``13800138000`` matches ``+86 …``).
    """
    if not stored:
        return False
    a = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", given)).lstrip("0")
    b = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", stored)).lstrip("0")
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) < MIN_PHONE_DIGITS:
        return False
    return longer.endswith(shorter)
