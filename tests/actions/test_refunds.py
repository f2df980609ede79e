"""Refund status form, refund status answer and the policy answer, on a real seeded CRM."""

from __future__ import annotations

import pytest

from actions.refunds import ActionRefundPolicy, ActionRefundStatus, ValidateRefundStatusForm
from crm_backend.services import returns_policy as policy
from tests.actions.aftersales_support import point_crm_at, responses, run, slots_set, tracker

LOOP = "refund_status_form"


@pytest.fixture
def seeded_crm(seeded_url, monkeypatch):
    yield from point_crm_at(seeded_url, monkeypatch)


def validate(**kwargs):
    return run(ValidateRefundStatusForm(), tracker(loop=LOOP, **kwargs))


def test_order_number_is_taken(seeded_crm):
    messages, events = validate(
        text="A1007", new_slots={"order_number": "A1007"}, requested="order_number"
    )
    assert messages == [] and slots_set(events)["order_number"] == "A1007"


def test_refund_reference_instead_of_an_order_number(seeded_crm):
    messages, events = validate(
        text="rf-a1007", new_slots={"order_number": "rf-a1007"}, requested="order_number"
    )
    slots = slots_set(events)
    assert messages == [] and slots["refund_reference"] == "RF-A1007"
    assert slots["order_number"] is None and slots["requested_slot"] == "identity"


def test_reference_in_the_first_message_skips_the_question(seeded_crm):
    _, events = validate(
        slots={"identity": "alice@example.com"},
        text="where is my refund RF-000042",
        intent="track_refund",
    )
    slots = slots_set(events)
    assert slots["refund_reference"] == "RF-000042" and slots["requested_slot"] is None


def test_neither_order_nor_reference_is_reasked(seeded_crm):
    messages, events = validate(
        text="my refund", new_slots={"order_number": "my refund"}, requested="order_number"
    )
    assert responses(messages) == ["utter_refund_lookup_not_understood"]
    assert slots_set(events)["order_number"] is None


def status(slots, language="en"):
    return run(ActionRefundStatus(), tracker(slots, language=language))


def test_processed_refund_by_reference(seeded_crm):
    messages, events = status({"refund_reference": "RF-A1007", "identity": "alice@example.com"})
    (message,) = messages
    assert message["response"] == "utter_refund_status_processed"
    assert message["amount"] == "£8.82" and message["order_number"] == "A1007"
    assert message["bank_days"] == policy.BANK_DAYS and message["processed_date"]
    assert slots_set(events) == {"refund_reference": None, "order_number": None}


def test_refunds_by_order_in_chinese(seeded_crm):
    messages, _ = status({"order_number": "A1006", "identity": "+86 138 0013 8000"}, "zh")
    assert responses(messages) == ["utter_refund_status_processed"]
    assert "年" in messages[0]["processed_date"]


def test_order_without_refund(seeded_crm):
    messages, _ = status({"order_number": "A1001", "identity": "alice@example.com"})
    assert responses(messages) == ["utter_refund_none_for_order"]


def test_someone_elses_refund_is_not_found(seeded_crm):
    messages, events = status({"refund_reference": "RF-A1007", "identity": "wangfang@example.cn"})
    assert responses(messages) == ["utter_refund_not_found"]
    assert slots_set(events)["identity"] is None
    messages, _ = status({"order_number": "A1007", "identity": "wangfang@example.cn"})
    assert responses(messages) == ["utter_order_not_found"]


def test_policy_answer_comes_from_the_policy():
    messages, events = run(ActionRefundPolicy(), tracker())
    (message,) = messages
    assert message["response"] == "utter_refund_policy" and events == []
    assert message["window_days"] == policy.RETURN_WINDOW_DAYS
    assert message["processing_days"] == policy.REFUND_PROCESSING_DAYS
    assert message["ship_back_days"] == policy.SHIP_BACK_DAYS
