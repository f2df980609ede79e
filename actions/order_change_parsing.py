"""Reading the customer's answers in the change-order flow: which line, what quantity."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_REMOVE = re.compile(
    r"\b(remove|delete|drop|take (it )?out|none|zero|don'?t want)\b"
    r"|删除|删掉|去掉|移除|不要了|都不要",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,6})(?![\d.])")
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万]+")


def parse_quantity(text: object) -> Optional[int]:
    """A quantity in a short answer: ``3``, ``make it 3``, ``三个``, ``十二``, ``remove`` → 0."""
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text)[:200]
    if _REMOVE.search(text):
        return 0
    numbers = _NUMBER.findall(text)
    if len(numbers) == 1:
        return int(numbers[0])
    if numbers:
        return None  # "from 2 to 4": ambiguous, ask again
    match = _CN_NUMBER.search(text)
    if match is None:
        return None
    chars = match.group()
    if any(big in chars for big in "百千万"):
        return 1000  # far more than anyone orders: the validator says so
    if "十" in chars:
        tens, _, ones = chars.partition("十")
        return _CN_DIGITS.get(tens, 1 if not tens else -100) * 10 + (
            _CN_DIGITS.get(ones, 0) if ones else 0
        )
    if len(chars) == 1:
        return _CN_DIGITS[chars]
    return None


def lines_of(tracker: Tracker) -> List[Dict[str, Any]]:
    value = tracker.get_slot("order_items")
    return [line for line in value if isinstance(line, dict)] if isinstance(value, list) else []


def name_of(line: Dict[str, Any], language: str) -> str:
    return (
        str(line.get("name_zh") or line.get("name_en"))
        if language == "zh"
        else str(line.get("name_en"))
    )


def pick_item(text: str, lines: List[Dict[str, Any]]) -> Optional[str]:
    """The SKU of the line a message points at: its SKU, position (``2``, ``第二个``) or name."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if not folded:
        return None
    for line in lines:
        if folded == str(line["sku"]).lower():
            return str(line["sku"])
    position = re.fullmatch(
        r"(?:no\.?\s*|#|第)?(\d{1,2}|[一二三四五六七八九])(?:个|项|件)?", folded
    )
    if position:
        raw = position.group(1)
        index = int(raw) if raw.isdigit() else _CN_DIGITS[raw]
        if 1 <= index <= len(lines):
            return str(lines[index - 1]["sku"])
    matches = [
        str(line["sku"])
        for line in lines
        if folded in str(line.get("name_en", "")).lower()
        or (line.get("name_zh") and folded in str(line["name_zh"]))
        or (len(folded) >= 4 and str(line.get("name_en", "")).lower() in folded)
    ]
    return matches[0] if len(matches) == 1 else None
