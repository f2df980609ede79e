"""action_recommend, utter_also_like, action_offer_retention and action_retention_answer
against a real database (the seeded demo for recommendations, a tiny shop for offers)."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import crm
from actions.recommendations import ActionRecommend, utter_also_like
from actions.retention import ActionOfferRetention, ActionRetentionAnswer, find_trigger
from crm_backend.db import make_engine, make_session_factory
from crm_backend.ml import recommender_train
from crm_backend.models import OfferStatus
from crm_backend.services.retention import in_control_group
from tests.crm_backend.ml.ml_support import ml_model_dir, tiny_shop  # noqa: F401


def tracker(
    slots: Dict[str, Any],
    intent: str = "inform",
    events: Optional[List[Dict[str, Any]]] = None,
    sentiment: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = {"text": "x", "intent": {"name": intent}, "entities": []}
    if sentiment is not None:
        latest["sentiment"] = sentiment
    return Tracker(
        sender_id="test-ml",
        slots=slots,
        latest_message=latest,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def verified(customer_id: int, **slots: Any) -> Dict[str, Any]:
    return {"verified_customer_id": str(customer_id), "verified_until": time.time() + 600,
            **slots}  # fmt: skip


def user_turn(intent: str) -> Dict[str, Any]:
    return {"event": "user", "text": "t", "parse_data": {"intent": {"name": intent}}}


def run(action: Any, state: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    return dispatcher.messages, events


@pytest.fixture
def seeded_crm(seeded_url, monkeypatch, ml_model_dir):  # noqa: F811
    engine = make_engine(seeded_url)
    factory = make_session_factory(engine)
    monkeypatch.setattr(crm, "session_factory", lambda: factory)
    recommender_train.train(crm.SqlAlchemyUnitOfWork(factory), progress=False)
    yield factory
    engine.dispose()


def alice_id(factory) -> int:
    with crm.SqlAlchemyUnitOfWork(factory) as uow:
        return int(uow.customers.get_by_email("alice@example.com").id)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_recommend_for_a_verified_customer(seeded_crm, language):
    messages, events = run(ActionRecommend(), tracker(verified(alice_id(seeded_crm),
                                                               language=language)))  # fmt: skip
    (message,) = messages
    assert message["response"] == "utter_recommendations_personal" and events == []
    assert 1 <= len(message["buttons"]) <= 5
    assert message["results"].count("•") == len(message["buttons"])
    payload = message["buttons"][0]["payload"]
    assert payload.startswith("/place_order") and json.loads(payload[len("/place_order") :])
    if language == "zh":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message["results"])


def test_unverified_or_expired_verification_gets_best_sellers(seeded_crm):
    for slots in (
        {},
        {"identity": "alice@example.com"},
        {"verified_customer_id": str(alice_id(seeded_crm)), "verified_until": 1.0},
    ):
        (message,), _ = run(ActionRecommend(), tracker(slots))  # fmt: skip
        assert message["response"] == "utter_recommendations_popular"
        assert message["buttons"]


def test_also_like_helper(seeded_crm):
    dispatcher = CollectingDispatcher()
    shown = asyncio.run(utter_also_like(dispatcher, tracker({}), "85123A"))
    assert shown and dispatcher.messages[0]["response"] == "utter_also_like"
    quiet = CollectingDispatcher()
    assert not asyncio.run(utter_also_like(quiet, tracker({}), "NO-SUCH-SKU"))
    assert not asyncio.run(utter_also_like(quiet, tracker({}), ""))
    assert quiet.messages == []


@pytest.fixture
def offer_shop(uow_factory, session_factory, monkeypatch):
    monkeypatch.setattr(crm, "session_factory", lambda: session_factory)
    shop = tiny_shop(uow_factory, names=[f"u{i}" for i in range(30)])
    with uow_factory() as uow:
        for customer_id in shop.customers.values():
            uow.scores.upsert(customer_id, churn_score=0.9, cltv=Decimal("120"))
        uow.commit()
    return shop


def treated(shop) -> int:
    return next(c for c in shop.customers.values() if not in_control_group(c))


def test_find_trigger():
    assert find_trigger(tracker({}, events=[user_turn("delete_account"),
                                            user_turn("inform")])) == "delete_account"  # fmt: skip
    assert find_trigger(tracker({}, sentiment={"strongly_negative": True})) == (
        "negative_sentiment"
    )
    assert find_trigger(tracker({}, events=[user_turn("greet")])) is None


def test_offer_then_accept(offer_shop):
    customer = treated(offer_shop)
    state = tracker(verified(customer), events=[user_turn("delete_account")])
    (message,), events = run(ActionOfferRetention(), state)
    assert message["response"] == "utter_retention_offer_voucher"
    assert message["code"].startswith("STAY-") and message["amount"] == "£11.00"
    offer_id = events[0]["value"]
    answer = tracker(verified(customer, retention_offer_id=offer_id), intent="affirm")
    (reply,), answer_events = run(ActionRetentionAnswer(), answer)
    assert reply["response"] == "utter_retention_accepted" and reply["code"] == message["code"]
    assert answer_events[0]["name"] == "retention_offer_id" and answer_events[0]["value"] is None
    with offer_shop.make_uow() as uow:
        assert uow.offers.get(int(offer_id)).status == OfferStatus.ACCEPTED


def test_decline_and_silence(offer_shop):
    customer = treated(offer_shop)
    _, events = run(ActionOfferRetention(), tracker(verified(customer), intent="complaint",
                                                    events=[user_turn("complaint")]))  # fmt: skip
    offer_id = events[0]["value"]
    (reply,), _ = run(
        ActionRetentionAnswer(),
        tracker(verified(customer, retention_offer_id=offer_id), intent="deny"),
    )
    assert reply["response"] == "utter_retention_declined"
    # no verified customer, or no leaving signal: the action says nothing
    assert run(ActionOfferRetention(), tracker({}, events=[user_turn("delete_account")])) == (
        [],
        [],
    )
    assert run(ActionOfferRetention(), tracker(verified(customer))) == ([], [])
    # an answer without a pending offer does nothing
    assert run(ActionRetentionAnswer(), tracker(verified(customer), intent="affirm"))[0] == []


def test_inline_offer_before_a_confirmation(offer_shop):
    from actions.retention import make_retention_offer

    customer = treated(offer_shop)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        make_retention_offer(dispatcher, tracker(verified(customer)), "delete_account", True)
    )
    assert dispatcher.messages[0]["response"] == "utter_retention_offer_voucher_inline"
    assert events[0]["name"] == "retention_offer_id" and events[0]["value"]


def test_what_goes_with_a_named_product(seeded_crm):
    state = tracker({"language": "en"})
    state.latest_message["entities"] = [{"entity": "product", "value": "t-light holder"}]
    (message,), _ = run(ActionRecommend(), state)
    assert message["response"] == "utter_recommendations_with_product"
    assert "Holder" in message["product"] and message["buttons"]
    state.latest_message["entities"] = [{"entity": "product", "value": "zzzz qqqq"}]
    (fallback,), _ = run(ActionRecommend(), state)
    assert fallback["response"] == "utter_recommendations_popular"
