"""Where is my order: the form that collects the order number and identity, and the answer."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.crm import call_service
from actions.formatting import format_date, format_money, format_text
from actions.language import conversation_language
from crm_backend import errors
from crm_backend.services import orders as order_service

logger = logging.getLogger(__name__)

_ORDER_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])\s?-?(\d{4,8})(?!\d)")
# "orderA1002": customers sometimes glue the number to the word before it
_ORDER_NUMBER_AFTER_WORD = re.compile(r"(?<![0-9])([A-Z])-?(\d{4,8})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?\d[\d ()-]{6,18}\d")
MAX_SLOT_TEXT = 500


def find_order_number(text: object) -> Optional[str]:
    """The first order number in free text (``a1023``, ``A-1023`` → ``A1023``), or None."""
    if not isinstance(text, str):
        return None
    text = _EMAIL.sub(" ", text[:MAX_SLOT_TEXT])
    match = _ORDER_NUMBER.search(text) or _ORDER_NUMBER_AFTER_WORD.search(text)
    return f"{match.group(1).upper()}{match.group(2)}" if match else None


def find_identity(text: object) -> Optional[str]:
    """An e-mail address or phone number found in free text, or None."""
    if not isinstance(text, str):
        return None
    text = text[:MAX_SLOT_TEXT]
    email = _EMAIL.search(text)
    if email:
        return email.group().lower()
    phone = _PHONE.search(text)
    if phone and len(re.sub(r"\D", "", phone.group())) >= 7:
        return phone.group().strip()
    return None


class ValidateOrderStatusForm(FormValidationAction):
    """Checks the format of the order number and of the e-mail/phone, re-asking clearly."""

    def name(self) -> Text:
        return "validate_order_status_form"

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        order_number = find_order_number(slot_value)
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
        identity = find_identity(slot_value)
        if identity is None:
            dispatcher.utter_message(response="utter_invalid_identity")
        return {"identity": identity}


def _lookup(order_number: str, identity: str) -> Any:
    is_email = "@" in identity

    def service(uow: Any) -> order_service.OrderStatusView:
        return order_service.get_order_status(
            uow,
            order_number,
            email=identity if is_email else None,
            phone=None if is_email else identity,
        )

    return service


class ActionOrderStatus(Action):
    """Reads the order from the CRM and answers with its status, carrier and dates."""

    def name(self) -> Text:
        return "action_order_status"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        language = conversation_language(tracker)
        order_number = tracker.get_slot("order_number")
        identity = tracker.get_slot("identity")
        if not order_number or not identity:
            dispatcher.utter_message(response="utter_ask_order_number")
            return [SlotSet("order_number", None)]
        try:
            view = await call_service(_lookup(order_number, identity))
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return [SlotSet("order_number", None), SlotSet("identity", None)]
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            logger.exception("order status lookup failed for conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_technical_problem")
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(
            response=f"utter_order_status_{view.status}",
            order_number=view.order_number,
            carrier=format_text(view.carrier, language),
            tracking_number=format_text(view.tracking_number, language),
            placed_date=format_date(view.placed_at, language),
            shipped_date=format_date(view.shipped_at, language),
            eta=format_date(view.estimated_delivery, language),
            delivered_date=format_date(view.delivered_at, language),
            cancelled_date=format_date(view.cancelled_at, language),
            total=format_money(view.total, view.currency, language),
        )
        return [SlotSet("order_number", None)]
