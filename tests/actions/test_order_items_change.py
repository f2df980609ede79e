"""Change-order flow: item choice, quantity parsing and checks, applying the change."""

from __future__ import annotations

import pytest

from actions.order_change import (
    ActionAskChangeItem,
    ActionAskChangeQuantity,
    ActionChangeOrder,
    ValidateChangeOrderForm,
)
from actions.order_change_parsing import parse_quantity, pick_item
from tests.actions.order_flow_support import ALICE, responses, run, shop, slots_of, tracker

__all__ = ["shop"]
FORM = "change_order_form"
LINES = [
    {
        "sku": "85123A",
        "name_en": "White Hanging Heart T-Light Holder",
        "name_zh": "白色心形挂式烛台",
        "quantity": 2,
        "unit_price": "2.95",
    },
    {
        "sku": "85099B",
        "name_en": "Jumbo Bag Red Retrospot",
        "name_zh": "红色复古波点大号购物袋",
        "quantity": 1,
        "unit_price": "2.08",
    },
]
A1003 = {"order_number": "A1003", "identity": ALICE, "order_items": LINES}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3", 3),
        ("make it 3", 3),
        ("三个", 3),
        ("两件", 2),
        ("十二", 12),
        ("二十", 20),
        ("0", 0),
        ("remove it", 0),
        ("删掉吧", 0),
        ("去掉", 0),
        ("from 2 to 4", None),
        ("lots", None),
        ("", None),
        (None, None),
        ("一百", 1000),
        ("3.5", None),
        ("x" * 100_000, None),
    ],
)
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("85099B", "85099B"),
        ("85099b", "85099B"),
        ("2", "85099B"),
        ("第一个", "85123A"),
        ("jumbo bag", "85099B"),
        ("烛台", "85123A"),
        ("3", None),
        ("bag", "85099B"),
        ("the red one", None),
        ("", None),
        ("%", None),
    ],
)
def test_pick_item(text, expected):
    assert pick_item(text, LINES) == expected


@pytest.mark.usefixtures("shop")
def test_identified_order_lists_its_items():
    track = tracker(
        {"order_number": "A1003"},
        text=ALICE,
        new_slots={"identity": ALICE},
        requested="identity",
        active_loop=FORM,
    )
    dispatcher, events = run(ValidateChangeOrderForm(), track)
    assert dispatcher.messages == []
    assert [line["sku"] for line in slots_of(events)["order_items"]] == ["85123A", "85099B"]
    assert "change_item" not in slots_of(events)


@pytest.mark.usefixtures("shop")
def test_a_one_line_order_needs_no_item_choice():
    track = tracker(
        {"identity": ALICE},
        text="A1004",
        new_slots={"order_number": "A1004"},
        requested="order_number",
        active_loop=FORM,
    )
    _, events = run(ValidateChangeOrderForm(), track)
    assert slots_of(events)["change_item"] == "85099B"


@pytest.mark.usefixtures("shop")
def test_shipped_order_cannot_be_changed():
    track = tracker(
        {"identity": ALICE},
        text="A1001",
        new_slots={"order_number": "A1001"},
        requested="order_number",
        active_loop=FORM,
    )
    dispatcher, events = run(ValidateChangeOrderForm(), track)
    assert responses(dispatcher) == ["utter_order_locked_shipped"]
    assert slots_of(events)["requested_slot"] is None


def test_ask_item_shows_buttons_in_the_conversation_language():
    dispatcher, _ = run(ActionAskChangeItem(), tracker(A1003, language="zh"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_change_item"
    assert [b["payload"] for b in message["buttons"]] == ["85123A", "85099B"]
    assert "白色心形挂式烛台" in message["buttons"][0]["title"] and "1. 2 ×" in message["items"]


def test_ask_quantity_names_the_item():
    dispatcher, _ = run(ActionAskChangeQuantity(), tracker({**A1003, "change_item": "85099B"}))
    assert dispatcher.messages[0]["item_name"] == "Jumbo Bag Red Retrospot"
    assert dispatcher.messages[0]["quantity"] == 1


def choose(text: str, intent: str = "inform"):
    return tracker(A1003, text=text, intent=intent, requested="change_item", active_loop=FORM)


def test_item_from_a_button_or_words():
    assert slots_of(run(ValidateChangeOrderForm(), choose("85099B"))[1])["change_item"] == "85099B"
    dispatcher, events = run(ValidateChangeOrderForm(), choose("the blue vase"))
    assert responses(dispatcher) == ["utter_change_item_unknown"]
    assert slots_of(events)["change_item"] is None
    _, events = run(ValidateChangeOrderForm(), choose("never mind", "stop"))
    assert "change_item" not in slots_of(events)


def quantity(text: str):
    return tracker(
        {**A1003, "change_item": "85099B"}, text=text, requested="change_quantity", active_loop=FORM
    )


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    "text, response, value",
    [
        ("3", None, 3),
        ("0", None, 0),
        ("1", "utter_change_quantity_same", None),
        ("7", "utter_change_out_of_stock", None),  # 1 ordered + 5 in stock
        ("100", "utter_change_quantity_invalid", None),
        ("一百", "utter_change_quantity_invalid", None),
        ("lots", "utter_change_quantity_invalid", None),
    ],
)
def test_quantity_checks(text, response, value):
    dispatcher, events = run(ValidateChangeOrderForm(), quantity(text))
    assert responses(dispatcher) == ([response] if response else [])
    assert slots_of(events)["change_quantity"] == value
    if response == "utter_change_out_of_stock":
        assert dispatcher.messages[0]["max_quantity"] == 6


@pytest.mark.usefixtures("shop")
def test_the_last_item_cannot_be_removed():
    one_line = [
        {
            "sku": "85099B",
            "name_en": "Jumbo Bag Red Retrospot",
            "name_zh": None,
            "quantity": 4,
            "unit_price": "2.08",
        }
    ]
    track = tracker(
        {
            "order_number": "A1004",
            "identity": ALICE,
            "order_items": one_line,
            "change_item": "85099B",
        },
        text="remove it",
        requested="change_quantity",
        active_loop=FORM,
    )
    dispatcher, events = run(ValidateChangeOrderForm(), track)
    assert responses(dispatcher) == ["utter_change_last_item"]
    assert slots_of(events)["change_quantity"] is None


def test_apply_the_change(shop):
    dispatcher, events = run(
        ActionChangeOrder(), tracker({**A1003, "change_item": "85099B", "change_quantity": 3})
    )
    assert responses(dispatcher) == ["utter_change_done"]
    assert dispatcher.messages[0]["total"] == "£12.14"
    assert slots_of(events)["order_items"] is None and slots_of(events)["order_number"] is None
    assert shop.stock("85099B") == 3


def test_remove_a_line_of_a_paid_order_mentions_the_refund(shop):
    shop.add_order("A1010", "paid", [("85123A", 1), ("22969", 2)], paid_at=None)
    lines = [
        {"sku": "85123A", "name_en": "x", "name_zh": None, "quantity": 1, "unit_price": "2.95"},
        {
            "sku": "22969",
            "name_en": "Candles",
            "name_zh": "果酱香味蜡烛",
            "quantity": 2,
            "unit_price": "1.45",
        },
    ]
    track = tracker(
        {
            "order_number": "A1010",
            "identity": ALICE,
            "order_items": lines,
            "change_item": "22969",
            "change_quantity": 0,
        },
        language="zh",
    )
    dispatcher, _ = run(ActionChangeOrder(), track)
    assert responses(dispatcher) == ["utter_change_done_removed", "utter_change_refund_due"]
    assert dispatcher.messages[0]["item_name"] == "果酱香味蜡烛"
    assert dispatcher.messages[1]["amount"] == "£2.90"


def test_nothing_to_do_after_a_refusal(shop):
    dispatcher, _ = run(ActionChangeOrder(), tracker({"order_number": "A1001", "identity": ALICE}))
    assert dispatcher.messages == []


def test_change_that_became_impossible(shop):
    track = tracker(
        {
            "order_number": "A1001",
            "identity": ALICE,
            "order_items": LINES,
            "change_item": "85099B",
            "change_quantity": 3,
        }
    )
    dispatcher, _ = run(ActionChangeOrder(), track)
    assert responses(dispatcher) == ["utter_change_no_longer_possible"]
