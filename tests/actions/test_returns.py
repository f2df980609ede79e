"""The return form's validator, questions and request, against a real seeded CRM database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.return_questions import (
    ActionAskReturnItem,
    ActionAskReturnReason,
    match_item,
)
from actions.returns import ActionRequestReturn, ValidateReturnForm
from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Order, OrderStatus, Return, utcnow
from tests.actions.aftersales_support import (
    fresh_seeded_url,
    point_crm_at,
    responses,
    run,
    slots_set,
    tracker,
)

DAY = timedelta(days=1)
WANG = {"order_number": "A1005", "identity": "wangfang@example.cn"}
LOOP = "return_form"


@pytest.fixture
def seeded_crm(seeded_url, monkeypatch):
    yield from point_crm_at(seeded_url, monkeypatch)


@pytest.fixture(scope="module")
def module_db(database_factory):
    """One writable seeded database for this module; each test returns a different order."""
    return fresh_seeded_url(database_factory, f"r{uuid.uuid4().hex[:8]}")


@pytest.fixture
def writable_crm(module_db, monkeypatch):
    yield from point_crm_at(module_db, monkeypatch)


def untouched_delivered_order(url):
    """(order number, e-mail) of a generated delivered order with nothing returned yet."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            returned = select(Return.order_id)
            order = session.execute(
                select(Order)
                .where(
                    Order.status == OrderStatus.DELIVERED,
                    Order.id.not_in(returned),
                    Order.order_number != "A1005",
                    Order.delivered_at > utcnow() - 20 * DAY,
                )
                .order_by(Order.id.desc())
                .limit(1)
            ).scalar_one()
            return order.order_number, order.customer.email, order.total
    finally:
        engine.dispose()


def validate(**kwargs):
    return run(ValidateReturnForm(), tracker(loop=LOOP, **kwargs))


def test_eligible_order_goes_on_to_the_item(seeded_crm):
    messages, events = validate(
        slots={"identity": "wangfang@example.cn"},
        text="A1005",
        new_slots={"order_number": "A1005"},
        requested="order_number",
    )
    assert messages == []
    slots = slots_set(events)
    assert slots["order_number"] == "A1005" and "requested_slot" not in slots


@pytest.mark.parametrize(
    "order_number, email, reason",
    [
        ("A1001", "alice@example.com", "not_delivered"),
        ("A1003", "alice@example.com", "not_shipped"),
        ("A1006", "wangfang@example.cn", "cancelled"),
        ("A1007", "alice@example.com", "already_returned"),
    ],
)
def test_ineligible_order_is_explained_and_ends_the_form(seeded_crm, order_number, email, reason):
    messages, events = validate(
        slots={"order_number": order_number},
        text=email,
        new_slots={"identity": email},
        requested="identity",
    )
    assert responses(messages) == [f"utter_return_not_eligible_{reason}"]
    assert messages[0]["order_number"] == order_number
    assert slots_set(events)["requested_slot"] is None
    if reason == "not_delivered":
        assert messages[0]["eta"] != "not available yet"


def test_wrong_identity_looks_like_an_unknown_order(seeded_crm):
    messages, events = validate(
        slots={"order_number": "A1005"},
        text="alice@example.com",
        new_slots={"identity": "alice@example.com"},
        requested="identity",
    )
    assert responses(messages) == ["utter_order_not_found"]
    slots = slots_set(events)
    assert slots["order_number"] is None and slots["identity"] is None


@pytest.mark.parametrize("text", ["12", "'; DROP TABLE orders; --", "x" * 10_000])
def test_bad_order_number_is_reasked(seeded_crm, text):
    messages, events = validate(
        text=text, new_slots={"order_number": text}, requested="order_number"
    )
    assert responses(messages) == ["utter_invalid_order_number"]
    assert slots_set(events)["order_number"] is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("22699", "22699"),
        ("2", "22197"),
        ("popcorn", "22197"),
        ("茶杯", "22699"),
        ("All items", "all"),
        ("全部商品", "all"),
    ],
)
def test_item_answer(seeded_crm, text, expected):
    messages, events = validate(slots=WANG, text=text, requested="return_item")
    assert messages == [] and slots_set(events)["return_item"] == expected


@pytest.mark.parametrize("text", ["banana", "9", "er", "<script>", "😀"])
def test_unclear_item_is_reasked(seeded_crm, text):
    messages, events = validate(slots=WANG, text=text, requested="return_item")
    assert responses(messages) == ["utter_return_item_not_understood"]
    assert slots_set(events)["return_item"] is None


def test_never_mind_is_not_taken_as_an_item(seeded_crm):
    messages, events = validate(
        slots=WANG, text="never mind", intent="stop", requested="return_item"
    )
    assert messages == [] and "return_item" not in slots_set(events)


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("Damaged", "inform", "Damaged"),
        ("不想要了", "stop", "不想要了"),  # a button, even if the NLU thinks "stop"
        ("the lid does not fit my pot", "inform", "the lid does not fit my pot"),
        ("Other", "inform", None),
    ],
)
def test_reason_answer(seeded_crm, text, intent, expected):
    messages, events = validate(
        slots={**WANG, "return_item": "22699"}, text=text, intent=intent, requested="return_reason"
    )
    assert messages == [] and slots_set(events)["return_reason"] == expected


def test_meaningless_reason_is_reasked(seeded_crm):
    messages, events = validate(
        slots={**WANG, "return_item": "22699"}, text="!!!", requested="return_reason"
    )
    assert responses(messages) == ["utter_return_reason_not_understood"]


def test_stop_during_reason_abandons(seeded_crm):
    messages, events = validate(
        slots={**WANG, "return_item": "22699"},
        text="算了",
        intent="stop",
        requested="return_reason",
    )
    assert "return_reason" not in slots_set(events)


def test_item_question_has_a_button_per_item(seeded_crm):
    messages, _ = run(ActionAskReturnItem(), tracker(WANG, language="zh", loop=LOOP))
    (message,) = messages
    assert message["response"] == "utter_ask_return_item" and message["order_number"] == "A1005"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("摄政风玫瑰茶杯茶碟 ×2", "22699"),
        ("爆米花桶 ×2", "22197"),
        ("全部商品", "全部商品"),
    ]


def test_reason_question_asks_for_details_after_other(seeded_crm):
    first, _ = run(ActionAskReturnReason(), tracker(WANG, "22699", requested="return_item"))
    details, _ = run(ActionAskReturnReason(), tracker(WANG, "Other", requested="return_reason"))
    assert responses(first) == ["utter_ask_return_reason"]
    assert responses(details) == ["utter_ask_return_reason_details"]


def test_match_item_rejects_junk():
    assert match_item(None, None) is None  # type: ignore[arg-type]
    assert match_item("x" * 1000, None) is None  # type: ignore[arg-type]


def test_request_return_gives_references_and_is_idempotent(writable_crm):
    state = tracker({**WANG, "return_item": "22699", "return_reason": "商品损坏"}, language="zh")
    messages, events = run(ActionRequestReturn(), state)
    assert responses(messages) == ["utter_return_created", "utter_return_label_free"]
    created = messages[0]
    assert created["refund_reference"].startswith("RF-") and created["refund_amount"] == "£5.90"
    assert (
        created["items"] == "2 × 摄政风玫瑰茶杯茶碟" and created["contact"] == "w*******@example.cn"
    )
    assert "年" in created["ship_by"] and created["return_reference"].startswith("RT-")
    assert slots_set(events) == {"return_item": None, "return_reason": None, "order_number": None}
    again, _ = run(ActionRequestReturn(), state)
    assert responses(again)[0] == "utter_return_already_requested"
    assert again[0]["refund_reference"] == created["refund_reference"]


def test_request_everything_left(writable_crm, module_db):
    number, email, total = untouched_delivered_order(module_db)
    state = tracker(
        {
            "order_number": number,
            "identity": email,
            "return_item": "all",
            "return_reason": "Changed my mind",
        }
    )
    messages, _ = run(ActionRequestReturn(), state)
    assert responses(messages) == ["utter_return_created", "utter_return_label_own_cost"]
    assert messages[0]["refund_amount"] == f"£{total:.2f}"


def test_request_for_an_undelivered_order_is_explained(writable_crm):
    state = tracker(
        {
            "order_number": "A1001",
            "identity": "alice@example.com",
            "return_item": "22423",
            "return_reason": "Damaged",
        }
    )
    messages, _ = run(ActionRequestReturn(), state)
    assert responses(messages) == ["utter_return_not_eligible_not_delivered"]


def test_nothing_to_request_when_the_form_stopped_early(seeded_crm):
    messages, events = run(ActionRequestReturn(), tracker({"order_number": "A1001"}))
    assert messages == [] and slots_set(events) == {"return_item": None, "return_reason": None}


def test_database_failure_gets_an_apology(tmp_path, monkeypatch):
    gen = point_crm_at(f"sqlite:///{tmp_path / 'empty.sqlite3'}", monkeypatch)
    next(gen)
    messages, _ = run(
        ActionRequestReturn(), tracker({**WANG, "return_item": "22699", "return_reason": "Damaged"})
    )
    assert responses(messages) == ["utter_technical_problem"]
    messages, events = validate(
        slots={"order_number": "A1005"},
        text="wangfang@example.cn",
        new_slots={"identity": "wangfang@example.cn"},
        requested="identity",
    )
    assert responses(messages) == ["utter_technical_problem"]
    assert slots_set(events)["requested_slot"] is None
