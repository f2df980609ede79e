"""Where is my order: the form that collects the order number and identity, and the answer."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crm import call_service
from actions.formatting import format_date, format_money, format_text
from actions.language import conversation_language
from actions.order_identity import OrderIdentityValidation
from crm_backend import errors
from crm_backend.services import orders as order_service

logger = logging.getLogger(__name__)


class ValidateOrderStatusForm(OrderIdentityValidation, FormValidationAction):
    """Checks the format of the order number and of the e-mail/phone, re-asking clearly."""

    def name(self) -> Text:
        return "validate_order_status_form"


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
