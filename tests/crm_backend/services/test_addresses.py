"""Free-text address parsing and validation (pure), countries and regions."""

from __future__ import annotations

import pytest

from crm_backend.services.addresses import (
    AddressError,
    PostalAddress,
    address_from_dict,
    normalise_postcode,
    parse_address,
)
from crm_backend.services.countries import country_from_name, find_country


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "12 Example Road, Flat 3, London SW1A 1AA",
            PostalAddress("12 Example Road", "London", "GB", "SW1A 1AA", "Flat 3"),
        ),
        (
            "10 Downing Street London sw1a2aa",
            PostalAddress("10 Downing Street", "London", "GB", "SW1A 2AA"),
        ),
        (
            "1 High St, Leeds, LS1 4DY, United Kingdom",
            PostalAddress("1 High St", "Leeds", "GB", "LS1 4DY"),
        ),
        (
            "上海市浦东新区世纪大道100号 200120",
            PostalAddress("浦东新区世纪大道100号", "上海市", "CN", "200120"),
        ),
        (
            "中国广东省深圳市南山区科技园路1号，518057",
            PostalAddress("南山区科技园路1号", "广东省深圳市", "CN", "518057"),
        ),
        ("Ｂｅｉｊｉｎｇ？", None),
        (
            "Hauptstraße 5, 10115 Berlin, Germany",
            PostalAddress("Hauptstraße 5", "Berlin", "DE", "10115"),
        ),
        (
            "Keizersgracht 1, 1015 CJ Amsterdam, NL",
            PostalAddress("Keizersgracht 1", "Amsterdam", "NL", "1015 CJ"),
        ),
        ("1 Main St, Dublin, Ireland", PostalAddress("1 Main St", "Dublin", "IE", None)),
    ],
)
def test_parse(text, expected):
    if expected is None:
        with pytest.raises(AddressError):
            parse_address(text)
    else:
        assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text, default, field",
    [
        ("12 Example Road, London", None, "country"),
        ("12 Example Road, London", "GB", "postcode"),
        ("12 Example Road, London, SW1A", "GB", "postcode"),
        ("12 Example Road, London, 12345", "GB", "postcode"),
        ("北京市朝阳区建国路88号", None, "postcode"),
        ("北京市朝阳区建国路88号 1000222", None, "postcode"),  # 7 digits
        ("北京市朝阳区建国路88号 900022", None, "postcode"),  # no CN postcode starts with 9
        ("朝阳区建国路88号 100022", None, "city"),
        ("London SW1A 1AA", None, "address"),
        ("SW1A 1AA", None, "line1"),
        ("", None, "address"),
        ("   ", None, "address"),
        ("<script>alert(1)</script>, London SW1A 1AA", None, "address"),
        ("x" * 100_000, None, "address"),
        ("12 Example Road\x00, London SW1A 1AA, 😀", None, "address"),
    ],
)
def test_rejects_with_the_field_to_fix(text, default, field):
    with pytest.raises(AddressError) as error:
        parse_address(text, default)
    assert error.value.field == field


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["list"]])
def test_non_text_input(value):
    with pytest.raises(AddressError):
        parse_address(value)


def test_sql_looking_text_is_just_text():
    address = parse_address("12 Road; DROP TABLE addresses; --, London SW1A 1AA")
    assert address.line2 == "DROP TABLE addresses" and address.city == "London"


def test_default_country_from_the_order():
    assert parse_address("5 Rue de Rivoli, 75001 Paris", "FR").country == "FR"


@pytest.mark.parametrize(
    "country, given, expected",
    [
        ("GB", "ec1a1bb", "EC1A 1BB"),
        ("GB", "W1A 0AX", "W1A 0AX"),
        ("CN", "100022", "100022"),
        ("IE", "", None),
        ("IE", "d02 x285", "D02 X285"),
        ("US", "10001", "10001"),
    ],
)
def test_normalise_postcode(country, given, expected):
    assert normalise_postcode(country, given) == expected


@pytest.mark.parametrize(
    "country, given", [("GB", "Q1A 1AA"), ("CN", "12345"), ("CN", ""), ("DE", "1234")]
)
def test_bad_postcodes(country, given):
    with pytest.raises(AddressError):
        normalise_postcode(country, given)


def test_round_trip_through_a_slot_value():
    address = parse_address("12 Example Road, Flat 3, London SW1A 1AA")
    assert address_from_dict(address.as_dict()) == address
    assert address_from_dict({"line1": "x"}) is None and address_from_dict("junk") is None


def test_address_lines_per_language():
    cn = parse_address("上海市浦东新区世纪大道100号 200120")
    assert cn.one_line("zh") == "中国 上海市浦东新区世纪大道100号（200120）"
    uk = parse_address("12 Example Road, London SW1A 1AA")
    assert uk.lines("en")[-1] == "United Kingdom" and uk.lines("zh")[-1] == "英国"


@pytest.mark.parametrize(
    "text, code",
    [
        ("ship to Germany?", "DE"),
        ("寄到上海要几天", "CN"),
        ("deliver to London", "GB"),
        ("Northern Ireland", "GB"),
        ("to ireland", "IE"),
        ("寄到德国", "DE"),
        ("UK", "GB"),
        ("can you send it to us", None),
        ("hello", None),
        ("", None),
    ],
)
def test_find_country(text, code):
    assert find_country(text) == code


@pytest.mark.parametrize(
    "text, code",
    [("uk", "GB"), ("Deutschland", "DE"), ("中国", "CN"), ("fr", "FR"), ("xx", None), ("", None)],
)
def test_country_from_name(text, code):
    assert country_from_name(text) == code
