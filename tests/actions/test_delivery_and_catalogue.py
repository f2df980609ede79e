"""Delivery answers (region form + policy table) and product search (form + catalogue)."""

from __future__ import annotations

import json

import pytest

from actions.catalogue import ActionAskProductQuery, ActionProductSearch, ValidateProductSearchForm
from actions.delivery import (
    ActionDeliveryInfo,
    ValidateDeliveryRegionForm,
    delivery_topic,
    delivery_values,
    region_in_text,
)
from tests.actions.order_flow_support import (
    broken_crm,
    responses,
    run,
    seeded_crm,
    slots_of,
    tracker,
)

__all__ = ["broken_crm", "seeded_crm"]


@pytest.mark.parametrize(
    "text, region",
    [
        ("寄到中国用什么物流", "china"),
        ("how long to Germany?", "eu"),
        ("deliver to London", "uk"),
        ("UK", "uk"),
        ("欧盟", "eu"),
        ("Europe", "eu"),
        ("其他国家", "world"),
        ("other country", "world"),
        ("ship to Japan", "world"),
        ("寄到上海要几天", "china"),
        ("how long does delivery take", None),
        ("", None),
        (None, None),
        ("x" * 100_000, None),
    ],
)
def test_region_in_text(text, region):
    assert region_in_text(text) == region


def test_region_from_the_question_completes_the_form():
    _, events = run(
        ValidateDeliveryRegionForm(),
        tracker(text="寄到中国有哪些配送方式", intent="delivery_options"),
    )
    assert slots_of(events)["delivery_region"] == "china"


def test_region_remembered_from_earlier():
    _, events = run(
        ValidateDeliveryRegionForm(), tracker({"delivery_region": "eu"}, text="how long?")
    )
    assert "delivery_region" not in slots_of(events)


def test_unknown_region_is_asked_then_reasked():
    _, events = run(ValidateDeliveryRegionForm(), tracker(text="delivery options?"))
    assert "delivery_region" not in slots_of(events)  # the form asks with buttons
    answer = tracker(text="banana", requested="delivery_region", active_loop="delivery_region_form")
    dispatcher, events = run(ValidateDeliveryRegionForm(), answer)
    assert responses(dispatcher) == ["utter_invalid_delivery_region"]
    assert slots_of(events)["delivery_region"] is None
    button = tracker(text="中国", requested="delivery_region", active_loop="delivery_region_form")
    assert slots_of(run(ValidateDeliveryRegionForm(), button)[1])["delivery_region"] == "china"


def user(intent: str):
    return {"event": "user", "text": "", "parse_data": {"intent": {"name": intent}}}


def test_topic_is_the_latest_delivery_question():
    assert (
        delivery_topic(tracker(history=[user("delivery_period")], text="EU")) == "delivery_period"
    )
    assert (
        delivery_topic(tracker(history=[user("delivery_period")], intent="delivery_options"))
        == "delivery_options"
    )


def test_options_answer_comes_from_the_policy_table():
    track = tracker({"delivery_region": "china"}, intent="delivery_options", language="zh")
    dispatcher, _ = run(ActionDeliveryInfo(), track)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_delivery_options_china"
    assert message["standard_price"] == "£12.95" and message["standard_days"] == "7–12"
    assert message["standard_free_over"] == "£100.00" and message["express_days"] == "4–6"


def test_period_answer_has_dates():
    dispatcher, _ = run(
        ActionDeliveryInfo(), tracker({"delivery_region": "uk"}, intent="delivery_period")
    )
    message = dispatcher.messages[0]
    assert message["response"] == "utter_delivery_period_uk"
    assert message["express_days"] == "1" and message["collect_days"] == "1–2"
    assert message["standard_earliest"] and message["standard_latest"]


def test_every_region_has_both_answers():
    for region in ("uk", "eu", "china", "world"):
        values = delivery_values(region, "en")
        assert {"standard_price", "standard_days", "express_price", "express_latest"} <= set(values)


def test_abandoned_form_says_nothing():
    dispatcher, _ = run(ActionDeliveryInfo(), tracker({"delivery_region": "mars"}))
    assert dispatcher.messages == []


# --- product search --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("有没有蜡烛", [], "有没有蜡烛"),
        (
            '/product_search{"product":"candle"}',
            [{"entity": "product", "value": "candle"}],
            "candle",
        ),
        ("I'd like to search your products", [], None),
        ("/product_search", [], None),
    ],
)
def test_query_from_the_message(text, entities, expected):
    _, events = run(
        ValidateProductSearchForm(), tracker(text=text, intent="product_search", entities=entities)
    )
    assert slots_of(events).get("product_query") == expected


def test_unclear_answer_to_what_are_you_looking_for():
    track = tracker(text="hmm", requested="product_query", active_loop="product_search_form")
    dispatcher, events = run(ValidateProductSearchForm(), track)
    assert responses(dispatcher) == ["utter_product_query_unclear"]
    assert slots_of(events)["product_query"] is None


def test_ask_offers_categories():
    dispatcher, _ = run(ActionAskProductQuery(), tracker(language="zh"))
    buttons = dispatcher.messages[0]["buttons"]
    assert len(buttons) == 8 and buttons[0]["title"] == "蜡烛与灯饰"
    assert json.loads(buttons[0]["payload"][len("/product_search") :]) == {"product": "candle"}


@pytest.mark.usefixtures("seeded_crm")
def test_chinese_search_finds_candles():
    dispatcher, events = run(
        ActionProductSearch(), tracker({"product_query": "有没有蜡烛"}, language="zh")
    )
    assert slots_of(events)["product_query"] is None
    results = [
        m
        for m in dispatcher.messages
        if m["response"] in ("utter_product_results", "utter_product_only_sold_out")
    ]
    text = "\n".join(m["results"] for m in dispatcher.messages)
    assert results and "蜡烛" in text and "£" in text
    assert all(len(m.get("buttons") or []) <= 5 for m in dispatcher.messages)


@pytest.mark.usefixtures("seeded_crm")
def test_no_results_suggests_categories():
    dispatcher, _ = run(ActionProductSearch(), tracker({"product_query": "iphone 15"}))
    assert responses(dispatcher) == ["utter_product_no_results"]
    assert (
        dispatcher.messages[0]["query"] == "iphone" and len(dispatcher.messages[0]["buttons"]) == 8
    )


@pytest.mark.usefixtures("broken_crm")
def test_search_with_the_database_down():
    dispatcher, _ = run(ActionProductSearch(), tracker({"product_query": "candles"}))
    assert responses(dispatcher) == ["utter_technical_problem"]
