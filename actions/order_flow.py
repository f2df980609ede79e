"""Shared pieces of the orders & delivery flows (cancel, change items, addresses, delivery).

- :class:`OrderFormValidation`: the base of every orders & delivery form validator. It
  checks the order number and e-mail/phone like the order status form, and once both are
  known calls :meth:`OrderFormValidation.on_order_identified` (one CRM look-up) so a form
  can show the order's state, refuse early (``stop``) or ask again.
- :class:`ActionOrderFlowReset`: clears this area's slots before a flow starts and after
  one is abandoned; the shared ``order_number`` survives only if the latest message has
  one (``identity`` is kept: the customer already proved who they are).
- Helpers for reading the latest message and mapping an order's state to a response.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import order_identity
from actions.order_identity import OrderIdentityValidation, find_order_number, latest_intent

REQUESTED_SLOT = "requested_slot"
FLOW_SLOTS = (
    "cancel_decision",
    "cancel_quote",
    "change_item",
    "change_quantity",
    "order_items",
    "shipping_address",
    "address_confirmed",
    "address_proof",
    "address_purpose",
    "address_context",
    "product_query",
)
# messages that leave a question unanswered rather than answer it
ESCAPE_INTENTS = frozenset(
    {"stop", "greet", "goodbye", "thanks", "bot_challenge", "out_of_scope", "contact_human_agent"}
)
MAX_TEXT = 500

_YES = re.compile(
    r"^(y|ya|yes|yeah|yep|yup|sure|ok|okay|please do|go ahead|confirm|correct|right|that'?s right"
    r"|是|是的|对|对的|好|好的|可以|确定|确认|没错|没问题|嗯|行|要|取消吧|保存)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(n|no|nope|nah|not really|don'?t|wrong|keep it|"
    r"不|不是|不对|不要|不用|别|错了|保留|先不)",
    re.IGNORECASE,
)


def latest_text(tracker: Tracker) -> str:
    return order_identity.latest_text(tracker, MAX_TEXT)


def latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    for item in (tracker.latest_message or {}).get("entities") or []:
        if isinstance(item, dict) and item.get("entity") == entity:
            value = item.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()[:MAX_TEXT]
    return None


def slot_text(value: Any) -> Optional[str]:
    """A slot value usable as text, cut to :data:`MAX_TEXT`."""
    return order_identity.slot_text(value, MAX_TEXT)


def is_requested(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot(REQUESTED_SLOT) == slot


def yes_or_no(tracker: Tracker) -> Optional[bool]:
    """The customer's yes/no: the affirm/deny intent, else the words of the message."""
    intent = latest_intent(tracker)
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    text = unicodedata.normalize("NFKC", latest_text(tracker)).strip().lower()
    if _NO.match(text):  # before yes: "不要" must not read as "要"
        return False
    if _YES.match(text):
        return True
    return None


def locked_response(status: str) -> str:
    """The response explaining why an order in ``status`` can no longer be changed."""
    if status in ("shipped", "delivered", "cancelled", "returned"):
        return f"utter_order_locked_{status}"
    return "utter_technical_problem"


@dataclass
class Outcome:
    """What :meth:`OrderFormValidation.on_order_identified` decided."""

    slots: Dict[str, Any] = field(default_factory=dict)
    stop: bool = False  # end the form now (its final action sees an unanswered form)


class OrderFormValidation(OrderIdentityValidation, FormValidationAction, ABC):
    """Order number + identity validation and the once-per-order look-up hook."""

    @abstractmethod
    def name(self) -> Text:
        """``validate_<form>``; abstract so the action server doesn't register the base."""

    async def on_order_identified(
        self,
        order_number: str,
        identity: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Outcome:
        """Called once both are valid and :meth:`needs_lookup` says so; override."""
        return Outcome()

    def needs_lookup(self, tracker: Tracker) -> bool:
        """Has the current order/identity pair not been looked up yet? Override."""
        return False

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        order_number = slot_text(tracker.get_slot("order_number"))
        identity = slot_text(tracker.get_slot("identity"))
        if not (order_number and identity) or not self.needs_lookup(tracker):
            return events
        outcome = await self.on_order_identified(order_number, identity, dispatcher, tracker)
        if not outcome.slots and not outcome.stop:
            return events
        extra = [SlotSet(name, value) for name, value in outcome.slots.items()]
        tracker.add_slots(extra)
        events = [e for e in events if e.get("name") != REQUESTED_SLOT] + extra
        if outcome.stop:
            events.append(SlotSet(REQUESTED_SLOT, None))
        else:
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            if next_slot:
                events.append(next_slot)
        return events


class ActionOrderFlowReset(Action):
    """Start (or abandon) an orders & delivery flow with clean slots."""

    def name(self) -> Text:
        return "action_order_flow_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SlotSet(s, None) for s in FLOW_SLOTS if tracker.get_slot(s)]
        intent = latest_intent(tracker)
        mentioned = latest_entity(tracker, "order_number") or find_order_number(
            latest_text(tracker)
        )
        current = slot_text(tracker.get_slot("order_number"))
        quote = tracker.get_slot("cancel_quote")
        follows_quote = (
            intent == "cancel_order"
            and isinstance(quote, dict)
            and quote.get("order_number") == current
        )  # "cancel it" right after the fee for this order was quoted
        if current and not mentioned and not follows_quote:
            events.append(SlotSet("order_number", None))  # left over from another flow
        if intent in ("change_shipping_address", "set_up_shipping_address"):
            purpose = "change" if intent == "change_shipping_address" else "add"
            events.append(SlotSet("address_purpose", purpose))
        return events
