"""Cancel-order and cancellation-fee flows: validators and actions against a real CRM."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.cancellation import (
    ActionCancellationFee,
    ActionCancelOrder,
    ValidateCancellationFeeForm,
    ValidateCancelOrderForm,
)
from actions.order_flow import ActionOrderFlowReset
from crm_backend.services import policies
from tests.actions.order_flow_support import (
    ALICE,
    broken_crm,
    responses,
    run,
    seeded_crm,
    shop,
    slots_of,
    tracker,
)

__all__ = ["broken_crm", "seeded_crm", "shop"]
FORM = "cancel_order_form"


def identified(number: str, identity: str = ALICE, **kwargs):
    """The turn where the customer gives the identity for ``number``."""
    return tracker(
        {"order_number": number},
        text=identity,
        new_slots={"identity": identity},
        requested="identity",
        active_loop=FORM,
        **kwargs,
    )


def quoted(number: str, fee: str, decision_text: str, intent: str = "inform"):
    quote = {"order_number": number, "identity": ALICE, "fee": fee}
    return tracker(
        {"order_number": number, "identity": ALICE, "cancel_quote": quote},
        text=decision_text,
        intent=intent,
        requested="cancel_decision",
        active_loop=FORM,
    )


@pytest.mark.parametrize("text", ["hello", "12", "", "x" * 10_000, "'; DROP TABLE orders; --"])
def test_malformed_order_number_is_reasked(text):
    dispatcher, events = run(
        ValidateCancelOrderForm(),
        tracker(
            text=text, new_slots={"order_number": text}, requested="order_number", active_loop=FORM
        ),
    )
    assert responses(dispatcher) == ["utter_invalid_order_number"]
    assert slots_of(events)["order_number"] is None


@pytest.mark.usefixtures("shop")
def test_paid_order_in_free_window_is_quoted_then_asked():
    dispatcher, events = run(ValidateCancelOrderForm(), identified("A1004"))
    assert responses(dispatcher) == ["utter_cancel_quote_free"]
    message = dispatcher.messages[0]
    assert message["refund"] == "£8.32" and "(UTC)" in message["free_until"]
    assert slots_of(events)["cancel_quote"] == {
        "order_number": "A1004",
        "identity": ALICE,
        "fee": "0.00",
    }
    assert "requested_slot" not in slots_of(events), "Rasa asks for cancel_decision next"


@pytest.mark.usefixtures("shop")
def test_paid_order_after_the_window_shows_the_fee():
    dispatcher, events = run(ValidateCancelOrderForm(), identified("A1008"))
    assert responses(dispatcher) == ["utter_cancel_quote_fee"]
    assert dispatcher.messages[0]["fee"] == "£2.50" and dispatcher.messages[0]["refund"] == "£47.50"


@pytest.mark.usefixtures("shop")
def test_pending_order_is_free():
    dispatcher, _ = run(ValidateCancelOrderForm(), identified("A1003"))
    assert responses(dispatcher) == ["utter_cancel_quote_unpaid"]


@pytest.mark.usefixtures("shop")
def test_shipped_order_is_refused_and_the_form_ends():
    dispatcher, events = run(ValidateCancelOrderForm(), identified("A1001", language="zh"))
    assert responses(dispatcher) == ["utter_order_locked_shipped"]
    assert slots_of(events)["requested_slot"] is None


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    "number, identity", [("A1002", ALICE), ("A9999", ALICE), ("A1004", "bob@example.com")]
)
def test_unknown_or_foreign_order_asks_again(number, identity):
    dispatcher, events = run(ValidateCancelOrderForm(), identified(number, identity))
    assert responses(dispatcher) == ["utter_order_not_found"]
    assert slots_of(events)["order_number"] is None and slots_of(events)["identity"] is None


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("yes please", "affirm", "yes"),
        ("/affirm", "affirm", "yes"),
        ("是的", "inform", "yes"),
        ("确定", "inform", "yes"),
        ("no, keep it", "deny", "no"),
        ("不要", "inform", "no"),
        ("不用了", "inform", "no"),
    ],
)
def test_yes_or_no(text, intent, expected):
    _, events = run(ValidateCancelOrderForm(), quoted("A1004", "0.00", text, intent))
    assert slots_of(events)["cancel_decision"] == expected


def test_an_unclear_answer_is_reasked():
    dispatcher, events = run(ValidateCancelOrderForm(), quoted("A1004", "0.00", "banana"))
    assert responses(dispatcher) == ["utter_please_yes_or_no"]
    assert slots_of(events)["cancel_decision"] is None


def test_never_mind_leaves_the_question_to_the_stop_rule():
    _, events = run(ValidateCancelOrderForm(), quoted("A1004", "0.00", "算了", "stop"))
    assert "cancel_decision" not in slots_of(events)  # no slot -> Rasa rejects the form


def decided(number: str, decision: str, fee: str = "0.00"):
    quote = {"order_number": number, "identity": ALICE, "fee": fee}
    return tracker(
        {
            "order_number": number,
            "identity": ALICE,
            "cancel_quote": quote,
            "cancel_decision": decision,
        }
    )


def test_yes_cancels_and_reports_the_refund(shop):
    dispatcher, events = run(ActionCancelOrder(), decided("A1004", "yes"))
    assert responses(dispatcher) == ["utter_cancel_done_refund"]
    assert dispatcher.messages[0]["refund"] == "£8.32"
    assert dispatcher.messages[0]["refund_reference"] == "RF-A1004"
    assert slots_of(events)["order_number"] is None and slots_of(events)["cancel_quote"] is None
    again, _ = run(ActionCancelOrder(), decided("A1004", "yes"))
    assert responses(again) == ["utter_cancel_already_cancelled_refund"]


def test_yes_with_a_fee(shop):
    dispatcher, _ = run(ActionCancelOrder(), decided("A1008", "yes", fee="2.50"))
    assert responses(dispatcher) == ["utter_cancel_done_refund_fee"]
    assert dispatcher.messages[0]["fee"] == "£2.50" and dispatcher.messages[0]["refund"] == "£47.50"


def test_unpaid_order(shop):
    dispatcher, _ = run(ActionCancelOrder(), decided("A1003", "yes"))
    assert responses(dispatcher) == ["utter_cancel_done_unpaid"]


def test_a_fee_above_the_quote_is_not_charged(shop):
    dispatcher, _ = run(ActionCancelOrder(), decided("A1008", "yes", fee="0.00"))
    assert responses(dispatcher) == ["utter_cancel_fee_changed"]
    assert dispatcher.messages[0]["fee"] == "£2.50"
    with shop.make_uow() as uow:
        assert uow.orders.get_by_number("A1008").status == "paid"


def test_no_keeps_the_order(shop):
    dispatcher, _ = run(ActionCancelOrder(), decided("A1004", "no"))
    assert responses(dispatcher) == ["utter_cancel_kept"]
    with shop.make_uow() as uow:
        assert uow.orders.get_by_number("A1004").status == "paid"


def test_refused_earlier_says_nothing_more(shop):
    dispatcher, events = run(
        ActionCancelOrder(), tracker({"order_number": "A1001", "identity": ALICE})
    )
    assert dispatcher.messages == [] and slots_of(events)["order_number"] is None


def test_a_stale_quote_for_another_order_cancels_nothing(shop):
    track = decided("A1004", "yes")
    track.slots["order_number"] = "A1003"
    dispatcher, _ = run(ActionCancelOrder(), track)
    assert dispatcher.messages == []


@pytest.mark.usefixtures("broken_crm")
def test_database_down_gets_an_apology():
    dispatcher, events = run(ValidateCancelOrderForm(), identified("A1004"))
    assert responses(dispatcher) == ["utter_technical_problem"]
    assert slots_of(events)["requested_slot"] is None
    dispatcher, _ = run(ActionCancelOrder(), decided("A1004", "yes"))
    assert responses(dispatcher) == ["utter_technical_problem"]


# --- check_cancellation_fee ------------------------------------------------------------


def test_fee_question_without_an_order_number_gets_the_policy():
    _, events = run(ValidateCancellationFeeForm(), tracker(text="is there a fee to cancel?"))
    assert slots_of(events) == {"requested_slot": None}
    dispatcher, _ = run(ActionCancellationFee(), tracker(language="zh"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_cancellation_policy"
    assert message["free_hours"] == 24 and message["rate"] == "5"
    assert message["fee_min"] == "£2.00" and message["fee_max"] == "£10.00"
    assert policies.CANCELLATION_FEE_MAX == Decimal("10.00")


@pytest.mark.usefixtures("shop")
def test_fee_question_with_an_order_number_gets_the_exact_quote():
    track = tracker(
        {"identity": ALICE},
        text="cancellation fee for A1008?",
        intent="check_cancellation_fee",
        new_slots={"order_number": "A1008"},
    )
    dispatcher, events = run(ValidateCancellationFeeForm(), track)
    assert responses(dispatcher) == ["utter_cancel_quote_fee"]
    assert slots_of(events)["requested_slot"] is None
    after = tracker(
        {
            "order_number": "A1008",
            "identity": ALICE,
            "cancel_quote": slots_of(events)["cancel_quote"],
        }
    )
    dispatcher, events = run(ActionCancellationFee(), after)
    assert responses(dispatcher) == ["utter_cancellation_fee_offer"]
    assert "order_number" not in slots_of(events), "kept for a following 'cancel it'"


def test_reset_keeps_the_quoted_order_for_cancel_it():
    quote = {"order_number": "A1008", "identity": ALICE, "fee": "2.50"}
    track = tracker(
        {"order_number": "A1008", "cancel_quote": quote}, text="ok cancel it", intent="cancel_order"
    )
    _, events = run(ActionOrderFlowReset(), track)
    assert "order_number" not in slots_of(events) and slots_of(events)["cancel_quote"] is None


def test_reset_drops_a_leftover_order_number_but_keeps_the_identity():
    track = tracker(
        {"order_number": "A1001", "identity": ALICE}, text="I want to cancel", intent="cancel_order"
    )
    _, events = run(ActionOrderFlowReset(), track)
    assert slots_of(events) == {"order_number": None}


def test_reset_keeps_an_order_number_from_the_message():
    track = tracker({"order_number": "A1004"}, text="cancel A1004", intent="cancel_order")
    assert slots_of(run(ActionOrderFlowReset(), track)[1]) == {}
