"""recommend_for_customer / frequently_bought_with on a tiny shop (SQLite and PostgreSQL):
trained from the CRM's orders, versioned, personal vs popular, stock and input checks."""

from __future__ import annotations

import pytest

from crm_backend.errors import NotFound, ValidationError
from crm_backend.ml import recommender_train, registry
from crm_backend.services.recommendations import frequently_bought_with, recommend_for_customer
from tests.crm_backend.ml.ml_support import (  # noqa: F401 - ml_model_dir is a fixture
    NOW,
    co_purchase_history,
    ml_model_dir,
    tiny_shop,
)


@pytest.fixture
def shop(uow_factory, ml_model_dir):  # noqa: F811
    shop = tiny_shop(uow_factory)
    co_purchase_history(shop)
    return shop


def train(shop, ml_model_dir):  # noqa: F811
    """The shipped parameters, except a smaller lambda and rule support for a tiny shop."""
    return recommender_train.train(
        shop.make_uow(), ml_model_dir, progress=False, now=NOW,
        params={"min_pair_orders": 2, "lam": 1.0},
    )  # fmt: skip


def test_training_on_the_crm_is_versioned_and_idempotent(shop, ml_model_dir):  # noqa: F811
    info, trained = train(shop, ml_model_dir)
    assert trained and info.metadata["metrics"]["customers"] == 4
    assert info.metadata["metrics"]["orders"] == 7  # the cancelled order is not a purchase
    again, trained_again = train(shop, ml_model_dir)
    assert not trained_again and again.version == info.version
    shop.order("eve", ["BAG"], 1)
    changed, retrained = train(shop, ml_model_dir)
    assert retrained and changed.version != info.version


def test_personal_recommendations_for_a_customer_with_history(shop, ml_model_dir):  # noqa: F811
    train(shop, ml_model_dir)
    view = recommend_for_customer(shop.make_uow(), shop.customers["cat"], 3, now=NOW)
    skus = [p.sku for p in view.products]
    assert view.personalised and view.model_version
    assert skus[:2] == ["CANDLE", "HOLDER"] or set(skus[:2]) == {"CANDLE", "HOLDER"}
    assert "SOLDOUT" not in skus  # out of stock is never recommended
    assert len(skus) == 3 and len(set(skus)) == 3
    product = view.products[0]
    assert product.name("zh") in ("蜡烛", "烛台") and product.price > 0


def test_cold_start_and_anonymous_get_best_sellers(shop, ml_model_dir):  # noqa: F811
    train(shop, ml_model_dir)
    for customer in (shop.customers["eve"], None):
        view = recommend_for_customer(shop.make_uow(), customer, 4, now=NOW)
        assert not view.personalised
        assert {p.reason for p in view.products} == {"popular"}
        assert len(view.products) == 4 and "SOLDOUT" not in [p.sku for p in view.products]


def test_without_a_model_best_sellers_are_used(shop, ml_model_dir):  # noqa: F811
    view = recommend_for_customer(shop.make_uow(), shop.customers["ann"], 2, now=NOW)
    assert view.model_version is None and len(view.products) == 2
    assert view.products[0].sku in ("TEA", "CUP")  # bought by the most customers


def test_frequently_bought_with(shop, ml_model_dir):  # noqa: F811
    train(shop, ml_model_dir)
    view = frequently_bought_with(shop.make_uow(), " tea ", 2, now=NOW)
    assert [p.sku for p in view.products][0] == "CUP"
    assert view.products[0].reason == "bought_together"
    assert "TEA" not in [p.sku for p in view.products]
    candle = frequently_bought_with(shop.make_uow(), "CANDLE", 3, now=NOW)
    assert candle.products[0].sku == "HOLDER" and "SOLDOUT" not in [p.sku for p in candle.products]


def test_frequently_bought_with_without_a_model_uses_the_category(shop, ml_model_dir):  # noqa: F811
    view = frequently_bought_with(shop.make_uow(), "CANDLE", 3, now=NOW)
    assert [p.sku for p in view.products] == ["HOLDER"]  # same category, in stock


@pytest.mark.parametrize("n", [0, -1, 21, "5", None, True])
def test_bad_n_is_rejected(shop, n):
    with pytest.raises(ValidationError):
        recommend_for_customer(shop.make_uow(), None, n)  # type: ignore[arg-type]


@pytest.mark.parametrize("customer_id", [0, -3, "1", True])
def test_bad_customer_ids_are_rejected(shop, customer_id):
    with pytest.raises(ValidationError):
        recommend_for_customer(shop.make_uow(), customer_id)  # type: ignore[arg-type]


def test_unknown_customer_and_product(shop, ml_model_dir):  # noqa: F811
    train(shop, ml_model_dir)
    with pytest.raises(NotFound):
        recommend_for_customer(shop.make_uow(), 999_999)
    with pytest.raises(NotFound):
        frequently_bought_with(shop.make_uow(), "NO-SUCH")
    for bad in ("", "   ", "x" * 33, None, 12):
        with pytest.raises(ValidationError):
            frequently_bought_with(shop.make_uow(), bad)  # type: ignore[arg-type]


def test_the_model_is_loaded_once(shop, ml_model_dir):  # noqa: F811
    info, _ = train(shop, ml_model_dir)
    first, _ = registry.load_current("recommender")
    recommend_for_customer(shop.make_uow(), shop.customers["ann"], 2, now=NOW)
    second, again = registry.load_current("recommender")
    assert first is second and again.version == info.version


def test_goes_with_a_named_product(shop, ml_model_dir):  # noqa: F811
    from crm_backend.services.recommendations import goes_with

    train(shop, ml_model_dir)
    found = goes_with(shop.make_uow(), "candle holder", 2, now=NOW)
    assert found.product is not None and found.product.sku in ("HOLDER", "CANDLE")
    assert found.recommendations.products and all(
        p.sku != found.product.sku for p in found.recommendations.products
    )
    nothing = goes_with(shop.make_uow(), "qqqq zzzz", 2, now=NOW)
    assert nothing.product is None and nothing.recommendations.products == ()
    with pytest.raises(ValidationError):
        goes_with(shop.make_uow(), "", 2)
