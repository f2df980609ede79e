"""The order status form validator and action, against a real seeded CRM database."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import crm
from actions.order_identity import find_identity, find_order_number
from actions.orders import ActionOrderStatus, ValidateOrderStatusForm
from crm_backend.db import make_engine, make_session_factory


def tracker(slots: Dict[str, Any], text: str = "") -> Tracker:
    return Tracker(
        sender_id="test-conversation",
        slots=slots,
        latest_message={"text": text, "intent": {"name": "inform"}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


@pytest.fixture
def use_crm(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(seeded_url)
    factory = make_session_factory(engine)
    monkeypatch.setattr(crm, "session_factory", lambda: factory)
    yield
    engine.dispose()


def run_action(slots: Dict[str, Any]) -> tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionOrderStatus().run(dispatcher, tracker(slots), {}))
    return dispatcher, events


def slot_value(events: List[Dict[str, Any]], name: str) -> Optional[Any]:
    return next(e["value"] for e in events if e.get("event") == "slot" and e["name"] == name)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A1001", "A1001"),
        ("my order is a1023 thanks", "A1023"),
        ("订单号A-1002", "A1002"),
        ("我的orderA1002还没到", "A1002"),
        ("12", None),
        ("", None),
        (None, None),
        ("A12", None),
        ("'; DROP TABLE orders; --", None),
        ("x" * 100_000, None),
        ("alice1234@example.com", None),
    ],
)
def test_find_order_number(text, expected):
    assert find_order_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("alice@example.com", "alice@example.com"),
        ("my mail: Alice@Example.COM", "alice@example.com"),
        ("手机 +86 138 0013 8000", "+86 138 0013 8000"),
        ("13800138000", "13800138000"),
        ("no idea", None),
        ("123", None),
        (None, None),
    ],
)
def test_find_identity(text, expected):
    assert find_identity(text) == expected


def test_validator_reasks_a_malformed_order_number():
    dispatcher = CollectingDispatcher()
    result = ValidateOrderStatusForm().validate_order_number("hello", dispatcher, tracker({}), {})
    assert result == {"order_number": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_order_number"


def test_validator_normalises_a_good_order_number():
    dispatcher = CollectingDispatcher()
    result = ValidateOrderStatusForm().validate_order_number("a1001", dispatcher, tracker({}), {})
    assert result == {"order_number": "A1001"} and dispatcher.messages == []


def test_validator_reasks_a_missing_identity():
    dispatcher = CollectingDispatcher()
    result = ValidateOrderStatusForm().validate_identity("dunno", dispatcher, tracker({}), {})
    assert result == {"identity": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_identity"


@pytest.mark.usefixtures("use_crm")
def test_shipped_order_in_english():
    dispatcher, events = run_action(
        {"order_number": "A1001", "identity": "alice@example.com", "language": "en"}
    )
    message = dispatcher.messages[0]
    assert message["response"] == "utter_order_status_shipped"
    assert message["carrier"] == "DHL" and message["tracking_number"]
    assert message["eta"] != "not available yet"
    assert slot_value(events, "order_number") is None


@pytest.mark.usefixtures("use_crm")
def test_dates_are_formatted_in_chinese():
    dispatcher, _ = run_action(
        {"order_number": "A1002", "identity": "+86 138 0013 8000", "language": "zh"}
    )
    message = dispatcher.messages[0]
    assert message["response"] == "utter_order_status_shipped"
    assert "年" in message["shipped_date"] and message["carrier"] == "SF Express"


@pytest.mark.usefixtures("use_crm")
@pytest.mark.parametrize(
    "order_number, status",
    [
        ("A1003", "pending"),
        ("A1004", "paid"),
        ("A1005", "delivered"),
        ("A1006", "cancelled"),
        ("A1007", "returned"),
    ],
)
def test_every_status_has_its_answer(order_number, status):
    wang_fang = order_number in {"A1005", "A1006"}
    identity = "wangfang@example.cn" if wang_fang else "alice@example.com"
    dispatcher, _ = run_action({"order_number": order_number, "identity": identity})
    assert dispatcher.messages[0]["response"] == f"utter_order_status_{status}"


@pytest.mark.usefixtures("use_crm")
def test_other_customers_order_looks_like_an_unknown_one():
    wrong_owner, events = run_action({"order_number": "A1002", "identity": "alice@example.com"})
    unknown, _ = run_action({"order_number": "A9999", "identity": "alice@example.com"})
    assert wrong_owner.messages[0]["response"] == "utter_order_not_found"
    assert unknown.messages[0]["response"] == "utter_order_not_found"
    assert set(wrong_owner.messages[0]) == set(unknown.messages[0])
    assert slot_value(events, "identity") is None


def test_database_failure_gets_an_apology(monkeypatch: pytest.MonkeyPatch):
    broken = make_session_factory(make_engine("sqlite:////nonexistent/dir/crm.sqlite3"))
    monkeypatch.setattr(crm, "session_factory", lambda: broken)
    dispatcher, _ = run_action({"order_number": "A1001", "identity": "alice@example.com"})
    assert dispatcher.messages[0]["response"] == "utter_technical_problem"
