"""Shared pieces of the after-sales flows (returns, refunds, invoices, payments).

The order number / e-mail-or-phone validation every after-sales form uses, reading the
customer's last message, and the action that clears the after-sales slots when a form is
abandoned.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.orders import find_identity, find_order_number
from crm_backend.services.access import Identity, parse_identity

logger = logging.getLogger(__name__)

# Slots owned by the after-sales forms (order_number / identity are shared with others).
AFTERSALES_SLOTS = (
    "return_item",
    "return_reason",
    "refund_reference",
    "payment_issue_order",
    "payment_issue_description",
)
NO_ORDER = "none"  # payment_issue_order when the problem is not about one order


def identity_of(value: object) -> Identity:
    """The Identity for an ``identity`` slot value (e-mail or phone); ValidationError if
    neither."""
    text = find_identity(value) or ""
    if "@" in text:
        return parse_identity(email=text)
    return parse_identity(phone=text)


def latest_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text")
    return text if isinstance(text, str) else ""


def latest_intent(tracker: Tracker) -> Optional[str]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def requested_slot(tracker: Tracker) -> Optional[str]:
    value = tracker.get_slot("requested_slot")
    return value if isinstance(value, str) else None


def slot_text(value: Any) -> Optional[str]:
    """A slot value usable as text (lists from entity mappings give their first string)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value if isinstance(value, str) and value.strip() else None


class OrderIdentityValidation:
    """``validate_order_number`` / ``validate_identity`` for forms asking for an order."""

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        order_number = find_order_number(slot_text(slot_value))
        if order_number is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
        return {"order_number": order_number}

    def validate_identity(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        identity = find_identity(slot_text(slot_value))
        if identity is None:
            dispatcher.utter_message(response="utter_invalid_identity")
        return {"identity": identity}


def log_failure(what: str, tracker: Tracker) -> None:
    """Log an unexpected failure with its traceback, without personal data."""
    logger.exception("%s failed in conversation %s", what, tracker.sender_id)


class ActionResetAftersalesSlots(Action):
    """Forget the after-sales form answers (after a form was abandoned)."""

    def name(self) -> Text:
        return "action_reset_aftersales_slots"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return [SlotSet(slot, None) for slot in AFTERSALES_SLOTS if tracker.get_slot(slot)]
