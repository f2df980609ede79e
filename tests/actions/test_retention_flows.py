"""Retention offers wired into flows, against a real database: the inline offer before the
account-deletion confirmation (and the confirmation as its answer), the offer after a
cancellation, and "customers also bought" after a product search."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.cancellation import ActionCancelOrder
from actions.catalogue import ActionProductSearch
from actions.privacy import (
    ActionAskAccountDeleteConfirm,
    ActionDeleteAccount,
    ValidateDeleteAccountForm,
)
from actions.recommendations import utter_also_like
from crm_backend.models import DataRequestStatus, OfferStatus, RetentionOffer
from crm_backend.services.retention import in_control_group
from tests.actions import order_flow_support as flow
from tests.actions.account_support import (  # noqa: F401 - fixtures
    crm_url_fixture,
    new_customer,
    run,
    slot_events,
    uow,
    use_crm_fixture,
    verified,
)
from tests.actions.order_flow_support import seeded_crm, shop
from tests.crm_backend.services.shop_fixtures import ALICE

__all__ = ["seeded_crm", "shop"]

FORM = "delete_account_form"
CONFIRM = "account_delete_confirm"


def scored_customer(url: str, churn: float, control: bool = False) -> int:
    """A new customer with a churn score and a CLTV of £120 (a £11 voucher when offered),
    in (``control``) or out of the control group."""
    while True:
        customer_id, _ = new_customer(url)
        if in_control_group(customer_id) == control:
            break
    with uow(url) as unit:
        unit.scores.upsert(customer_id, churn_score=churn, cltv=Decimal("120"))
        unit.commit()
    return customer_id


def offers(url: str, customer_id: int) -> List[RetentionOffer]:
    with uow(url) as unit:
        rows = list(unit.offers.list_for_customer(customer_id))
        unit.session.expunge_all()
        return rows


def deletion_requests(url: str, customer_id: int) -> List[Any]:
    with uow(url) as unit:
        rows = list(unit.data_requests.list_for_customer(customer_id))
        unit.session.expunge_all()
        return rows


def confirm(slots: Dict[str, Any], text: str, intent: str = "inform"):
    """The customer's answer to the confirmation, through the form validator as the action
    server runs it (the candidate slot value after the user message)."""
    value = {"affirm": "yes", "deny": "no"}.get(intent, text)
    state = flow.tracker(
        slots,
        text=text,
        intent=intent,
        new_slots={CONFIRM: value},
        requested=CONFIRM,
        active_loop=FORM,
        language=slots.get("language", "en"),
    )
    dispatcher, events = flow.run(ValidateDeleteAccountForm(), state)
    return flow.responses(dispatcher), dispatcher.messages, flow.slots_of(events)


def ask(slots: Dict[str, Any]) -> Tuple[List[str], List[Dict[str, Any]], Dict[str, Any]]:
    said, messages, events = run(ActionAskAccountDeleteConfirm(), slots)
    return said, messages, slot_events(events)


# --- delete_account: the inline offer and the confirmation as its answer ------------------


@pytest.mark.usefixtures("use_crm")
def test_offer_is_shown_once_before_the_delete_confirmation(crm_url):
    customer_id = scored_customer(crm_url, churn=0.9)
    said, messages, slots = ask(verified(customer_id))
    assert said == ["utter_retention_offer_voucher_inline", "utter_ask_account_delete_confirm"]
    assert messages[0]["amount"] == "£11.00" and messages[0]["code"].startswith("STAY-")
    offer_id = slots["retention_offer_id"]
    [row] = offers(crm_url, customer_id)
    assert str(row.id) == offer_id and row.status == OfferStatus.OFFERED
    assert row.reason == "delete_account" and row.code == messages[0]["code"]
    # an unclear answer asks again: the question only, no second offer
    said, _, _ = confirm(verified(customer_id, retention_offer_id=offer_id), "hmm")
    assert said == ["utter_account_yes_or_no"]
    said, _, slots = ask(verified(customer_id, retention_offer_id=offer_id))
    assert said == ["utter_ask_account_delete_confirm"] and slots == {}
    assert len(offers(crm_url, customer_id)) == 1


@pytest.mark.usefixtures("use_crm")
@pytest.mark.parametrize(
    "text, intent, language",
    [("no, keep my account", "deny", "en"), ("不，保留账户", "deny", "zh")],
)
def test_keeping_the_account_accepts_the_offer(crm_url, text, intent, language):
    customer_id = scored_customer(crm_url, churn=0.9)
    _, messages, slots = ask(verified(customer_id, language=language))
    offer_id = slots["retention_offer_id"]
    state = verified(customer_id, language=language, retention_offer_id=offer_id)
    said, answer, slots = confirm(state, text, intent)
    assert said == ["utter_retention_accepted"] and answer[0]["code"] == messages[0]["code"]
    assert slots[CONFIRM] == "no" and slots["retention_offer_id"] is None
    [row] = offers(crm_url, customer_id)
    assert row.status == OfferStatus.ACCEPTED and row.code == messages[0]["code"]
    said, _, _ = run(ActionDeleteAccount(), verified(customer_id, **{CONFIRM: "no"}))
    assert said == ["utter_account_deletion_cancelled"]
    assert deletion_requests(crm_url, customer_id) == []


@pytest.mark.usefixtures("use_crm")
def test_deleting_anyway_declines_the_offer(crm_url):
    customer_id = scored_customer(crm_url, churn=0.9)
    _, _, slots = ask(verified(customer_id))
    state = verified(customer_id, retention_offer_id=slots["retention_offer_id"])
    said, _, slots = confirm(state, "/affirm", "affirm")
    assert said == ["utter_retention_declined"]
    assert slots[CONFIRM] == "yes" and slots["retention_offer_id"] is None
    [row] = offers(crm_url, customer_id)
    assert row.status == OfferStatus.DECLINED
    said, _, _ = run(ActionDeleteAccount(), verified(customer_id, **{CONFIRM: "yes"}))
    assert said == ["utter_account_deletion_requested"]
    [request] = deletion_requests(crm_url, customer_id)
    assert request.status == DataRequestStatus.PENDING


@pytest.mark.usefixtures("use_crm")
@pytest.mark.parametrize("churn, control", [(0.9, True), (0.2, False), (None, False)])
def test_no_offer_leaves_the_flow_unchanged(crm_url, churn: Optional[float], control: bool):
    if churn is None:
        customer_id, _ = new_customer(crm_url)  # never scored
    else:
        customer_id = scored_customer(crm_url, churn=churn, control=control)
    said, _, slots = ask(verified(customer_id))
    assert said == ["utter_ask_account_delete_confirm"] and slots == {}
    said, _, slots = confirm(verified(customer_id), "/affirm", "affirm")
    assert said == [] and slots[CONFIRM] == "yes" and "retention_offer_id" not in slots
    rows = offers(crm_url, customer_id)
    # the control group is recorded (what they would have got, no code) for uplift
    assert [(r.control_group, r.code) for r in rows] == ([(True, None)] if control else [])
    said, _, _ = run(ActionDeleteAccount(), verified(customer_id, **{CONFIRM: "yes"}))
    assert said == ["utter_account_deletion_requested"]


@pytest.mark.usefixtures("use_crm")
def test_an_unverified_customer_gets_the_plain_question():
    said, _, slots = ask({"language": "en"})
    assert said == ["utter_ask_account_delete_confirm"] and slots == {}


# --- cancel_order: an offer after the cancellation --------------------------------------


def cancelled(slots: Dict[str, Any]):
    quote = {"order_number": "A1004", "identity": ALICE, "fee": "0.00"}
    state = flow.tracker(
        {"order_number": "A1004", "identity": ALICE, "cancel_quote": quote,
         "cancel_decision": "yes", **slots}
    )  # fmt: skip
    dispatcher, events = flow.run(ActionCancelOrder(), state)
    return flow.responses(dispatcher), flow.slots_of(events)


def test_a_verified_high_risk_customer_gets_an_offer_after_cancelling(shop):
    with shop.make_uow() as unit:
        alice = int(unit.customers.get_by_email(ALICE).id)
        unit.scores.upsert(alice, churn_score=0.9, cltv=Decimal("120"))
        unit.commit()
    said, slots = cancelled(verified(alice))
    with shop.make_uow() as unit:
        [row] = unit.offers.list_for_customer(alice)
        assert row.reason == "cancel_order" and row.control_group == in_control_group(alice)
        offer_id = str(row.id)
    if in_control_group(alice):
        assert said == ["utter_cancel_done_refund"] and "retention_offer_id" not in slots
    else:
        assert said == ["utter_cancel_done_refund", "utter_retention_offer_voucher"]
        assert slots["retention_offer_id"] == offer_id
    assert slots["order_number"] is None


def test_an_unverified_cancellation_gets_no_offer(shop):
    with shop.make_uow() as unit:
        alice = int(unit.customers.get_by_email(ALICE).id)
        unit.scores.upsert(alice, churn_score=0.9, cltv=Decimal("120"))
        unit.commit()
    said, slots = cancelled({})
    assert said == ["utter_cancel_done_refund"] and "retention_offer_id" not in slots
    with shop.make_uow() as unit:
        assert list(unit.offers.list_for_customer(alice)) == []


# --- product search: "customers also bought" ----------------------------------------------


@pytest.mark.usefixtures("seeded_crm")
@pytest.mark.parametrize("query, language", [("candles", "en"), ("有没有蜡烛", "zh")])
def test_search_results_are_followed_by_also_bought(query, language):
    dispatcher, _ = flow.run(
        ActionProductSearch(), flow.tracker({"product_query": query}, language=language)
    )
    said = flow.responses(dispatcher)
    assert said[0] == "utter_product_results" and said[-1] == "utter_also_like"
    listed = {b["payload"] for m in dispatcher.messages[:-1] for b in m.get("buttons") or []}
    extra = [b["payload"] for b in dispatcher.messages[-1]["buttons"]]
    assert 1 <= len(extra) <= 3 and not listed & set(extra), "nothing shown twice"


@pytest.mark.usefixtures("seeded_crm")
def test_no_results_get_no_also_bought():
    dispatcher, _ = flow.run(ActionProductSearch(), flow.tracker({"product_query": "iphone 15"}))
    assert flow.responses(dispatcher) == ["utter_product_no_results"]


@pytest.mark.usefixtures("seeded_crm")
def test_also_bought_leaves_out_what_is_already_shown():
    first = CollectingDispatcher()
    assert asyncio.run(utter_also_like(first, flow.tracker(), "85123A"))
    shown = [json.loads(b["payload"][len("/place_order") :])["product"]
             for b in first.messages[0]["buttons"]]  # fmt: skip
    again = CollectingDispatcher()
    assert asyncio.run(utter_also_like(again, flow.tracker(), "85123A", exclude=shown[:1]))
    others = [json.loads(b["payload"][len("/place_order") :])["product"]
              for b in again.messages[0]["buttons"]]  # fmt: skip
    assert shown[0] not in others and len(others) == len(shown)


def test_abandoning_a_form_forgets_the_inline_offer():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.retention import OFFER_SLOT, ActionForgetRetentionOffer

    def run_with(slots):
        t = Tracker("c", slots, {"text": "never mind"}, [], False, None, {}, "action_listen")
        return asyncio.run(ActionForgetRetentionOffer().run(CollectingDispatcher(), t, {}))

    assert run_with({OFFER_SLOT: "7"}) == [
        {"event": "slot", "timestamp": None, "name": OFFER_SLOT, "value": None}
    ]
    assert run_with({OFFER_SLOT: None}) == []
