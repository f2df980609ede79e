"""Payment methods answer, payment-problem form and ticket, against a real seeded CRM."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from actions.aftersales_common import ActionResetAftersalesSlots
from actions.payments import (
    ActionPaymentMethods,
    ActionReportPaymentIssue,
    ValidatePaymentIssueForm,
)
from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Ticket
from tests.actions.aftersales_support import (
    fresh_seeded_url,
    point_crm_at,
    responses,
    run,
    slots_set,
    tracker,
)

LOOP = "payment_issue_form"


@pytest.fixture(scope="module")
def module_db(database_factory):
    """One writable seeded database for this module; tests use distinct conversations."""
    return fresh_seeded_url(database_factory, f"p{uuid.uuid4().hex[:8]}")


@pytest.fixture
def writable_url(module_db, monkeypatch):
    yield from (module_db for _ in point_crm_at(module_db, monkeypatch))


def validate(**kwargs):
    return run(ValidatePaymentIssueForm(), tracker(loop=LOOP, **kwargs))


@pytest.mark.parametrize(
    "text, language, response, values",
    [
        ("what payment methods do you accept", "en", "utter_payment_methods", {}),
        ("can I pay in China?", "en", "utter_payment_methods_region", {"region": "China"}),
        ("do you take Alipay?", "en", "utter_payment_method_accepted", {"method": "Alipay"}),
        (
            "英国可以用支付宝吗",
            "zh",
            "utter_payment_method_not_in_region",
            {"method": "支付宝", "region": "英国"},
        ),
        ("可以用微信支付吗", "zh", "utter_payment_method_accepted", {"method": "微信支付"}),
    ],
)
def test_payment_methods(text, language, response, values):
    messages, events = run(
        ActionPaymentMethods(),
        tracker(text=text, language=language, intent="check_payment_methods"),
    )
    (message,) = messages
    assert message["response"] == response and events == []
    for key, value in values.items():
        assert message[key] == value
    if response == "utter_payment_methods":
        assert "Alipay (China)" in message["methods"] and "PayPal" in message["methods"]


def test_first_message_can_carry_order_and_description():
    _, events = validate(text="I was charged twice for order A1001", intent="payment_issue")
    slots = slots_set(events)
    assert slots["payment_issue_order"] == "A1001"
    assert slots["payment_issue_description"] == "I was charged twice for order A1001"


def test_short_first_message_asks_everything():
    _, events = validate(text="payment issue", intent="payment_issue")
    assert "payment_issue_description" not in slots_set(events)


@pytest.mark.parametrize("text, intent", [("/deny", "deny"), ("no", "inform"), ("没有", "inform")])
def test_no_specific_order_skips_the_identity(text, intent):
    _, events = validate(text=text, intent=intent, requested="payment_issue_order")
    slots = slots_set(events)
    assert slots["payment_issue_order"] == "none"
    assert slots["requested_slot"] == "payment_issue_description"


def test_an_order_number_needs_the_identity():
    messages, events = validate(text="A1001", requested="payment_issue_order")
    assert messages == [] and slots_set(events)["payment_issue_order"] == "A1001"
    assert "requested_slot" not in slots_set(events), "Rasa asks the domain's next slot"


def test_unclear_order_is_reasked():
    messages, events = validate(text="the blue one", requested="payment_issue_order")
    assert responses(messages) == ["utter_payment_issue_order_not_understood"]
    assert slots_set(events)["payment_issue_order"] is None


def test_stop_is_not_a_description():
    _, events = validate(
        slots={"payment_issue_order": "none"},
        text="never mind",
        intent="stop",
        requested="payment_issue_description",
    )
    assert "payment_issue_description" not in slots_set(events)


def test_meaningless_description_is_reasked():
    messages, _ = validate(
        slots={"payment_issue_order": "none"}, text="???", requested="payment_issue_description"
    )
    assert responses(messages) == ["utter_payment_issue_description_too_short"]


def stored_tickets(url):
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(select(Ticket).order_by(Ticket.id.desc()).limit(1)).scalars()
            return [(t.id, str(t.priority), t.order_id, t.conversation_id) for t in rows]
    finally:
        engine.dispose()


def test_ticket_for_a_double_charge_on_an_order(writable_url):
    state = tracker(
        {
            "payment_issue_order": "A1001",
            "identity": "alice@example.com",
            "payment_issue_description": "I was charged twice",
        },
        sender="conv-pay-1",
    )
    messages, events = run(ActionReportPaymentIssue(), state)
    (message,) = messages
    assert message["response"] == "utter_payment_issue_reported_urgent"
    assert re.fullmatch(r"T-\d{6}", message["reference"])
    ((ticket_id, priority, order_id, conversation),) = stored_tickets(writable_url)
    assert message["reference"] == f"T-{ticket_id:06d}" and priority == "high"
    assert order_id is not None and conversation == "conv-pay-1"
    assert slots_set(events) == {"payment_issue_order": None, "payment_issue_description": None}
    again, _ = run(ActionReportPaymentIssue(), state)
    assert responses(again) == ["utter_payment_issue_already_reported"]
    assert again[0]["reference"] == message["reference"]


def test_mistyped_order_still_opens_a_ticket(writable_url):
    state = tracker(
        {
            "payment_issue_order": "A1001",
            "identity": "wangfang@example.cn",
            "payment_issue_description": "card declined",
        },
        sender="conv-pay-2",
    )
    messages, _ = run(ActionReportPaymentIssue(), state)
    assert responses(messages) == ["utter_order_not_found", "utter_payment_issue_reported"]
    ((_, priority, order_id, _),) = stored_tickets(writable_url)
    assert order_id is None and priority == "normal"


def test_reset_clears_only_what_is_set():
    _, events = run(
        ActionResetAftersalesSlots(), tracker({"return_item": "22699", "order_number": "A1005"})
    )
    assert slots_set(events) == {"return_item": None}
