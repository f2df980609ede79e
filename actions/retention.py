"""Retention offers in chat: make one offer to a verified, high-risk customer who signals
leaving, and record the answer.

- ``action_offer_retention`` (or :func:`make_retention_offer` from another action, e.g. a
  form's ``action_ask_<slot>`` right before a final confirmation): finds the trigger
  (the latest delete_account / cancel_order / complaint intent of the last turns, else a
  strongly negative latest message), asks the service, and - only when there is an offer -
  shows it with accept/decline buttons and sets ``retention_offer_id``. Otherwise it is
  silent, so flows can always call it.
- ``action_retention_answer`` (or :func:`answer_retention_offer`): records accept (affirm)
  or decline (deny) and clears ``retention_offer_id``.

How flows call it: docs/retention.md.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_common import verified_customer
from actions.crm import call_service
from actions.formatting import format_date, format_money
from actions.language import conversation_language
from crm_backend import errors
from crm_backend.services.retention import (
    EXISTING,
    OFFERED,
    OfferView,
    offer_retention,
    respond_to_offer,
)

logger = logging.getLogger(__name__)

OFFER_SLOT = "retention_offer_id"
TRIGGER_INTENTS = {
    "delete_account": "delete_account",
    "cancel_order": "cancel_order",
    "complaint": "complaint",
}
LOOK_BACK_TURNS = 8


def find_trigger(tracker: Tracker) -> Optional[str]:
    """The leaving signal: a trigger intent among the last user turns, else sentiment."""
    turns = 0
    for event in reversed(tracker.events or []):
        if event.get("event") != "user":
            continue
        turns += 1
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent in TRIGGER_INTENTS:
            return TRIGGER_INTENTS[intent]
        if turns >= LOOK_BACK_TURNS:
            break
    sentiment = (tracker.latest_message or {}).get("sentiment") or {}
    if isinstance(sentiment, dict) and sentiment.get("strongly_negative"):
        return "negative_sentiment"
    return None


def _offer_values(offer: OfferView, language: str) -> Dict[str, Any]:
    return {
        "code": offer.code or "",
        "percent": f"{offer.value:.0f}",
        "amount": format_money(offer.value, "GBP", language),
        "expiry": format_date(offer.expires_at, language),
    }


async def make_retention_offer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    trigger: Optional[str] = None,
    inline: bool = False,
) -> List[EventType]:
    """Show the customer's retention offer if they get one; silent otherwise.

    ``inline``: without its own yes/no question, for flows that ask a confirmation next.
    """
    customer_id = verified_customer(tracker)
    trigger = trigger or find_trigger(tracker)
    if customer_id is None or trigger is None:
        return []
    try:
        decision = await call_service(lambda uow: offer_retention(uow, customer_id, trigger))
    except (errors.NotFound, errors.ValidationError):
        return []
    except Exception:  # noqa: BLE001 - an optional step must not break the caller's flow
        logger.exception("retention offer failed in conversation %s", tracker.sender_id)
        return []
    offer = decision.offer
    if decision.outcome not in (OFFERED, EXISTING) or offer is None:
        return []
    language = conversation_language(tracker)
    suffix = "_inline" if inline else ""
    dispatcher.utter_message(
        response=f"utter_retention_offer_{offer.type}{suffix}", **_offer_values(offer, language)
    )
    return [SlotSet(OFFER_SLOT, str(offer.id))]


async def answer_retention_offer(
    dispatcher: CollectingDispatcher, tracker: Tracker, accept: bool
) -> List[EventType]:
    """Record the answer to the offer in ``retention_offer_id`` and confirm it."""
    done: List[EventType] = [SlotSet(OFFER_SLOT, None)]
    customer_id = verified_customer(tracker)
    try:
        offer_id = int(tracker.get_slot(OFFER_SLOT))
    except (TypeError, ValueError):
        return done
    if customer_id is None:
        dispatcher.utter_message(response="utter_retention_expired")
        return done
    try:
        offer = await call_service(lambda uow: respond_to_offer(uow, customer_id, offer_id, accept))
    except (errors.NotFound, errors.InvalidState):
        dispatcher.utter_message(response="utter_retention_expired")
        return done
    except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
        logger.exception("retention answer failed in conversation %s", tracker.sender_id)
        dispatcher.utter_message(response="utter_technical_problem")
        return done
    language = conversation_language(tracker)
    response = "utter_retention_accepted" if accept else "utter_retention_declined"
    dispatcher.utter_message(response=response, **_offer_values(offer, language))
    return done


class ActionOfferRetention(Action):
    def name(self) -> Text:
        return "action_offer_retention"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return await make_retention_offer(dispatcher, tracker)


class ActionRetentionAnswer(Action):
    def name(self) -> Text:
        return "action_retention_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        return await answer_retention_offer(dispatcher, tracker, accept=intent == "affirm")


class ActionForgetRetentionOffer(Action):
    """After a form that showed an inline offer was abandoned: the offer stays valid (its
    code was shown), but a later bare yes/no is no longer read as the answer to it."""

    def name(self) -> Text:
        return "action_forget_retention_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        return [SlotSet(OFFER_SLOT, None)] if tracker.get_slot(OFFER_SLOT) else []
