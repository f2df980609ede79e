"""Pure normalisers shared by the services and the bot's form validation."""

from __future__ import annotations

import pytest

from crm_backend.errors import ValidationError
from crm_backend.services.identifiers import (
    is_valid_email,
    is_valid_order_number,
    is_valid_phone,
    normalise_email,
    normalise_order_number,
    normalise_phone,
    phones_match,
)

HOSTILE = [
    "",
    "   ",
    "A" * 100_000,
    "A1001" + " " * 100_000,
    "'; DROP TABLE orders; --",
    "A1001' OR '1'='1",
    "A1001\x00",
    "\x00",
    "😀",
    "A1001😀",
    "\u202eA1001",
    "A١٠٠١",  # Arabic-Indic digits
    "%",
    "\\",
]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("A1001", "A1001"),
        (" a1001 ", "A1001"),
        ("#A1001", "A1001"),
        ("r536365", "R536365"),
        ("Ａ１００１", "A1001"),  # full-width, as typed with a Chinese IME
        ("A-1001", "A1001"),
        ("A1001\n", "A1001"),
        ("A12345678", "A12345678"),
    ],
)
def test_normalise_order_number(raw: str, expected: str) -> None:
    assert normalise_order_number(raw) == expected
    assert is_valid_order_number(raw)


@pytest.mark.parametrize(
    "raw", [*HOSTILE, "1001", "AB1001", "A123", "A123456789", "1A001", None, 1001]
)
def test_malformed_order_numbers(raw: object) -> None:
    assert not is_valid_order_number(raw)
    with pytest.raises(ValidationError, match="order number") as info:
        normalise_order_number(raw)
    assert info.value.field == "order_number"


def test_normalise_email() -> None:
    assert normalise_email("  Alice@Example.COM ") == "alice@example.com"
    assert is_valid_email("wangfang@example.cn")


@pytest.mark.parametrize(
    "raw", [*HOSTILE, "alice", "alice@", "@example.com", "a@b", "alice@example.com\x00x", None]
)
def test_malformed_emails(raw: object) -> None:
    assert not is_valid_email(raw)
    with pytest.raises(ValidationError):
        normalise_email(raw)


@pytest.mark.parametrize(
    "raw, digits",
    [
        ("+44 7700 900123", "447700900123"),
        ("+86 138-0013-8000", "8613800138000"),
        ("(0)7700 900123", "07700900123"),
        ("１３８００１３８０００", "13800138000"),
    ],
)
def test_normalise_phone(raw: str, digits: str) -> None:
    assert normalise_phone(raw) == digits
    assert is_valid_phone(raw)


@pytest.mark.parametrize("raw", [*HOSTILE, "1234567", "1" * 20, "+44 7700 900123 ext", None])
def test_malformed_phones(raw: object) -> None:
    assert not is_valid_phone(raw)
    with pytest.raises(ValidationError):
        normalise_phone(raw)


@pytest.mark.parametrize(
    "given, stored, expected",
    [
        ("447700900123", "+44 7700 900123", True),
        ("07700900123", "+44 7700 900123", True),  # national format with trunk 0
        ("00447700900123", "+44 7700 900123", True),  # 00 international prefix
        ("13800138000", "+86 138 0013 8000", True),
        ("00138000", "+86 138 0013 8000", False),  # leading zeros don't count as digits
        ("38000", "+86 138 0013 8000", False),  # too short
        ("13800138001", "+86 138 0013 8000", False),
        ("447700900123", None, False),
    ],
)
def test_phones_match(given: str, stored: str | None, expected: bool) -> None:
    assert phones_match(given, stored) is expected
