"""Locale-aware formatting of values placed into bilingual responses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional, Union

_EN_UNKNOWN = "not available yet"
_ZH_UNKNOWN = "暂无"


def format_date(value: Optional[Union[date, datetime]], language: str) -> str:
    """``Tue 24 Nov 2026`` in English, ``2026年11月24日`` in Chinese."""
    if value is None:
        return _ZH_UNKNOWN if language == "zh" else _EN_UNKNOWN
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_text(value: Optional[str], language: str) -> str:
    """A free-text value, or the localised 'not available' placeholder."""
    if value:
        return value
    return _ZH_UNKNOWN if language == "zh" else _EN_UNKNOWN


def format_money(amount: Optional[Decimal], currency: str, language: str) -> str:
    """``£12.50`` / ``GBP 12.50``; Chinese uses the same symbols."""
    if amount is None:
        return format_text(None, language)
    symbol = {"GBP": "£", "EUR": "€", "USD": "$", "CNY": "¥"}.get(currency.upper())
    return f"{symbol}{amount:.2f}" if symbol else f"{currency.upper()} {amount:.2f}"
