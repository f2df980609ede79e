"""The handoff actions against a real CRM database (uow_factory: SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import crm
from actions.handoff import ActionCheckEscalation, ActionHandoff, repeated_fallback
from crm_backend.models import Customer, Language, Ticket


def user(text: str, intent: str, **parse: Any) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, **parse}}


def tracker(
    message: Dict[str, Any],
    events: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    paused: bool = False,
    active_loop: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = {"text": message["text"], **message["parse_data"]}
    return Tracker(
        sender_id="conv-actions",
        slots={"language": "en", "escalation_reason": None, "offer_human": False, **(slots or {})},
        latest_message=latest,
        events=[*(events or []), message],
        paused=paused,
        followup_action=None,
        active_loop=active_loop or {},
        latest_action_name="action_listen",
    )


def run(action: Any, t: Tracker) -> tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, asyncio.run(action.run(dispatcher, t, {}))


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def use_crm(
    session_factory: Any, uow_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    monkeypatch.setattr(crm, "session_factory", lambda: session_factory)
    yield uow_factory


def test_strong_negative_sentiment_sets_the_reason():
    angry = user("this is useless", "out_of_scope", sentiment={"label": "negative", "score": -0.9})
    _, events = run(ActionCheckEscalation(), tracker(angry))
    assert slots(events) == {"escalation_reason": "negative_sentiment"}
    calm = user("hello", "greet", sentiment={"label": "neutral", "score": 0.0})
    _, events = run(ActionCheckEscalation(), tracker(calm, slots={"escalation_reason": "x"}))
    assert slots(events) == {"escalation_reason": None}
    _, events = run(ActionCheckEscalation(), tracker(angry, paused=True))
    assert events == [], "nothing is decided while an agent has the chat"


def test_churn_risk_customer_leaving(use_crm):
    with use_crm() as uow:
        customer = Customer(name="Risky", email="risky@example.com", preferred_language=Language.EN)
        uow.customers.add(customer)
        uow.flush()
        uow.scores.upsert(customer.id, churn_band="high")
        uow.commit()
        risky = int(customer.id)
    leaving = user("please close my account", "delete_account")
    verified = {"verified_customer_id": str(risky), "verified_until": time.time() + 600}
    _, events = run(ActionCheckEscalation(), tracker(leaving, slots=verified))
    assert slots(events) == {"escalation_reason": "churn_risk"}
    # an address merely typed in reveals nothing (no account check, no churn risk)
    _, events = run(
        ActionCheckEscalation(), tracker(leaving, slots={"identity": "risky@example.com"})
    )
    assert slots(events) == {}
    _, events = run(ActionCheckEscalation(), tracker(leaving, slots={"identity": "x@example.com"}))
    assert slots(events) == {}


def test_second_fallback_in_a_row_offers_a_person():
    first = user("blorp", "nlu_fallback")
    second = user("zzzt", "nlu_fallback")
    assert not repeated_fallback(tracker(first))
    t = tracker(
        second, events=[first, {"event": "bot", "metadata": {"utter_action": "utter_default"}}]
    )
    assert repeated_fallback(t)
    _, events = run(ActionCheckEscalation(), t)
    assert slots(events) == {"offer_human": True}
    offered = [first, {"event": "bot", "metadata": {"utter_action": "utter_offer_human"}}]
    assert not repeated_fallback(tracker(second, events=offered))


def test_handoff_records_the_ticket_and_pauses(use_crm):
    request = user("I want a human", "contact_human_agent")
    form = {"name": "order_status_form"}
    t = tracker(
        request,
        slots={"requested_slot": "order_number", "order_number": "I want a human"},
        active_loop=form,
    )
    dispatcher, events = run(ActionHandoff(), t)
    assert [m.get("response") for m in dispatcher.messages][0] == "utter_handoff_queued"
    assert dispatcher.messages[1]["custom"]["handoff"]["status"] == "waiting"
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "pause" and "active_loop" in kinds
    assert slots(events)["order_number"] is None
    with use_crm() as uow:
        ticket = uow.session.query(Ticket).one()
        assert ticket.conversation_id == "conv-actions" and ticket.reason == "customer_request"
    dispatcher, events = run(ActionHandoff(), tracker(request))
    assert dispatcher.messages[0]["response"] == "utter_handoff_still_waiting"
