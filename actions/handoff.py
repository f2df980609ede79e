"""Handing the conversation to a human agent.

- ``action_check_escalation``: custom slot mapping of ``escalation_reason``, run on every
  user message; sets it when the message's sentiment / complaint / churn risk calls for a
  human (the EscalationPolicy then predicts ``action_handoff``).
- ``action_handoff``: records the escalation through
  :func:`crm_backend.services.handoff.request_handoff`, tells the customer an agent will
  join (expected wait, keep typing) and pauses the bot (``ConversationPaused``: Rasa keeps
  logging the customer's messages but predicts nothing until the agent hands back). When
  no agent is available it says so, a follow-up ticket is left, and the bot carries on.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account_common import verified_customer
from actions.crm import call_service
from actions.language import conversation_language
from crm_backend import errors
from crm_backend.services import escalation, handoff
from crm_backend.settings import get_settings

logger = logging.getLogger(__name__)

REASON_SLOT = escalation.REASON_SLOT
OFFER_SLOT = escalation.OFFER_SLOT
OFFER_RESPONSE = escalation.OFFER_RESPONSE


def _customer_id(tracker: Tracker) -> Optional[int]:
    """The customer verified in this conversation (never one merely named in it)."""
    return verified_customer(tracker)


def _identity(tracker: Tracker) -> Optional[str]:
    value = tracker.get_slot("identity")
    return value if isinstance(value, str) and value.strip() else None


def _last_bot_response(tracker: Tracker) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            metadata = event.get("metadata") or {}
            return metadata.get("utter_action") if isinstance(metadata, dict) else None
    return None


def _intent(event: Dict[str, Any]) -> Optional[str]:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


def repeated_fallback(tracker: Tracker) -> bool:
    """Is this the second misunderstood message in a row (and no offer made since)?"""
    intents = [_intent(e) for e in tracker.events if e.get("event") == "user"]
    return escalation.repeated_fallback(intents, _last_bot_response(tracker))


class ActionCheckEscalation(Action):
    """Sets ``escalation_reason`` when a message should go to a human (see module doc)."""

    def name(self) -> Text:
        return "action_check_escalation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if tracker.is_paused():
            return []
        message = tracker.latest_message or {}
        threshold = get_settings().handoff_sentiment_threshold
        answering = tracker.active_loop_name == escalation.COMPLAINT_FORM
        reason = escalation.escalation_reason(
            message, threshold=threshold, answering_complaint=answering
        )
        if reason is None and escalation.signals_leaving(message):
            # only a verified customer's churn band: an address typed into the chat must
            # not reveal that it has an account, let alone its churn risk
            customer_id, identity = _customer_id(tracker), None
            if customer_id:
                try:
                    band = await call_service(
                        lambda uow: handoff.churn_band_for(
                            uow, customer_id=customer_id, identity=identity
                        )
                    )
                except Exception:  # noqa: BLE001 - a failed lookup must not break the turn
                    logger.exception("churn band lookup failed")
                    band = None
                reason = escalation.escalation_reason(
                    message, threshold=threshold, churn_band=band, answering_complaint=answering
                )
        changes = escalation.slot_changes(reason, repeated_fallback(tracker), tracker.slots)
        return [SlotSet(name, value) for name, value in changes.items()]


class ActionHandoff(Action):
    """Opens the escalation and pauses the bot while a human takes over."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reason = tracker.get_slot(REASON_SLOT)
        if reason not in escalation.REASONS:
            offered = _last_bot_response(tracker) == OFFER_RESPONSE
            reason = (
                escalation.REASON_REPEATED_FALLBACK
                if offered
                else escalation.REASON_CUSTOMER_REQUEST
            )
        language = conversation_language(tracker)
        text = (tracker.latest_message or {}).get("text")
        summary = f"Chat handoff ({reason.replace('_', ' ')})"
        if isinstance(text, str) and text.strip() and not text.startswith("/"):
            summary = f"{summary}: {text.strip()[:120]}"
        conversation_id = tracker.sender_id
        customer_id, identity = _customer_id(tracker), _identity(tracker)
        events: List[EventType] = [SlotSet(REASON_SLOT, None)]
        if tracker.active_loop.get("name"):
            # leave the form; drop what its free-text mapping took from this very message
            requested = tracker.get_slot("requested_slot")
            if isinstance(requested, str) and tracker.get_slot(requested) == text:
                events.append(SlotSet(requested, None))
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        try:
            policy = handoff.HandoffPolicy.from_settings(get_settings())
            outcome = await call_service(
                lambda uow: handoff.request_handoff(
                    uow,
                    conversation_id=conversation_id,
                    reason=str(reason),
                    policy=policy,
                    language=language,
                    customer_id=customer_id,
                    identity=identity,
                    summary=summary,
                )
            )
        except errors.CRMError as error:
            logger.warning("handoff refused: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_technical_problem")
            return events
        except Exception:  # noqa: BLE001 - never leave the customer without an answer
            logger.exception("handoff failed")
            dispatcher.utter_message(response="utter_technical_problem")
            return events
        reference = outcome.ticket.reference
        if not outcome.available:
            key = (
                "utter_handoff_closed"
                if outcome.unavailable_reason == "closed"
                else "utter_handoff_busy"
            )
            dispatcher.utter_message(response=key)
            dispatcher.utter_message(
                response="utter_handoff_follow_up_email"
                if outcome.follow_up_email
                else "utter_handoff_follow_up_contact",
                reference=reference,
            )
            return events
        if outcome.already_open:
            dispatcher.utter_message(response="utter_handoff_still_waiting", reference=reference)
        else:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                minutes=outcome.wait_minutes,
                reference=reference,
            )
        # tells the widget to open its live channel for agent messages
        dispatcher.utter_message(
            json_message={"handoff": {"status": "waiting", "reference": reference}}
        )
        return [*events, ConversationPaused()]
