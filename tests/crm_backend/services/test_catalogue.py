"""Bilingual product search over the seeded catalogue (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from crm_backend.errors import ValidationError
from crm_backend.services.catalogue import CATEGORY_NAMES, query_concepts, search_products
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork


@pytest.fixture
def search(seeded_session_factory):
    def run(query, **kwargs):
        return search_products(SqlAlchemyUnitOfWork(seeded_session_factory), query, **kwargs)

    return run


@pytest.mark.parametrize(
    "query, expected_first",
    [
        ("有没有蜡烛", "Homemade Jam Scented Candles"),
        ("do you have candles?", "Homemade Jam Scented Candles"),
        ("有没有杯子", "Roses Regency Teacup and Saucer"),
        ("mugs", "Roses Regency Teacup and Saucer"),
        ("小夜灯", "Rabbit Night Light"),
        ("lunch box", "Spaceboy Lunch Box"),
        ("有没有钟", "Red Diner Wall Clock"),
        ("tea light holder", "Rotating Silver Angels T-Light Holder"),
        ("Regency Cakestand", "Regency Cakestand 3 Tier"),
        ("蛋糕架", "Regency Cakestand 3 Tier"),
        ("兔子小夜灯", "Rabbit Night Light"),  # a Chinese product name, matched directly
    ],
)
def test_finds_the_right_product_first(search, query, expected_first):
    assert search(query).products[0].name_en == expected_first


def test_chinese_query_finds_english_named_products_with_chinese_names(search):
    result = search("有没有蜡烛")
    first = result.products[0]
    assert first.name("zh") == "果酱香味蜡烛" and first.name("en") == first.name_en
    assert all(
        "candle" in p.name_en.lower() or p.category == "candles_lights" for p in result.products
    )


def test_colour_refines_but_does_not_match_alone(search):
    names = [p.name_en for p in search("红色的包").products]
    assert names[0].startswith(("Lunch Bag Red", "Jumbo Bag Red")) and all(
        "Bag" in n for n in names
    )


def test_christmas_in_both_languages(search):
    english = {p.sku for p in search("christmas decorations", limit=10).products}
    chinese = {p.sku for p in search("圣诞装饰", limit=10).products}
    assert english and chinese and len(english & chinese) >= 3


def test_limit_and_shape(search):
    result = search("bag", limit=3)
    assert len(result.products) == 3
    product = result.products[0]
    assert product.price > 0 and product.currency == "GBP" and isinstance(product.in_stock, bool)


@pytest.mark.parametrize("query", ["iphone", "有没有汽车", "zzzz"])
def test_no_match_is_an_empty_result(search, query):
    assert search(query).products == ()


@pytest.mark.parametrize(
    "query",
    ["", "   ", "有没有", "do you have any?", "100%", "😀", None, 42, "\x00\x01", "?" * 100_000],
)
def test_nothing_searchable(search, query):
    with pytest.raises(ValidationError) as error:
        search(query)
    assert error.value.field == "query"


@pytest.mark.parametrize("query", ["%", "_", "'; DROP TABLE products; --", "a%b_c", "x" * 100_000])
def test_hostile_queries_are_harmless(search, query):
    try:
        result = search(query)
    except ValidationError:
        return
    assert len(result.products) <= 5


@pytest.mark.parametrize("limit", [0, 21, -1, True, "5"])
def test_bad_limits(search, limit):
    with pytest.raises(ValidationError):
        search("bag", limit=limit)


def test_every_category_suggestion_finds_products(search):
    for category, (_en, _zh, query) in CATEGORY_NAMES.items():
        assert any(p.category == category for p in search(query, limit=10).products), category


def test_concepts_fold_plurals_and_drop_fillers():
    assert [c.word for c in query_concepts("Do you have any candles?")] == ["candle"]
    assert [c.word for c in query_concepts("你们卖帆布包吗")] == ["包"]
    assert [c.word for c in query_concepts("Christmas")] == ["christmas"]
