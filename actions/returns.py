"""Returning items: the return form (order, identity, item, reason) and the request.

As soon as the order and the customer's e-mail/phone are known, the form checks the order
against the returns policy and stops with an explanation if it cannot be returned. The item
question lists the order's items as buttons; the reason question offers the usual reasons
(or the customer's own words). The request creates the return and its refund in the CRM.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.aftersales_common import requested_slot
from actions.crm import call_service
from actions.formatting import format_date, format_money
from actions.language import conversation_language
from actions.order_identity import (
    OrderIdentityValidation,
    identity_of,
    latest_intent,
    latest_text,
    log_failure,
    slot_text,
)
from actions.return_questions import ALL, match_item, options_service
from crm_backend import errors
from crm_backend.services import returns as return_service
from crm_backend.services import returns_policy as policy


class ValidateReturnForm(OrderIdentityValidation, FormValidationAction):
    """Order, identity, then the policy check; then which item and why."""

    def name(self) -> Text:
        return "validate_return_form"

    async def extract_return_item(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = latest_text(tracker).strip()
        if requested_slot(tracker) != "return_item" or not text or text.startswith("/"):
            return {}
        if latest_intent(tracker) == "stop" and not any(ch.isdigit() for ch in text):
            return {}  # "never mind": let the form be abandoned (SKUs have digits)
        return {"return_item": text}

    async def extract_return_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if requested_slot(tracker) != "return_reason":
            return {}
        text = latest_text(tracker).strip()
        is_choice = policy.classify_reason(text) != policy.OTHER or policy.is_other_choice(text)
        if not text or text.startswith("/") or (latest_intent(tracker) == "stop" and not is_choice):
            return {}
        return {"return_reason": text}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        changed = {e.get("name") for e in events if e.get("event") == "slot"}
        order_number, identity = tracker.get_slot("order_number"), tracker.get_slot("identity")
        if order_number and identity and changed & {"order_number", "identity"}:
            outcome = await self._check_order(dispatcher, tracker, order_number, identity)
            events.extend(SlotSet(slot, value) for slot, value in outcome.items())
        return events

    async def _check_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order_number: str, identity: str
    ) -> Dict[Text, Any]:
        language = conversation_language(tracker)
        try:
            options = await call_service(options_service(order_number, identity))
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return {"order_number": None, "identity": None}
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            log_failure("return eligibility check", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return {"requested_slot": None, "return_item": None, "return_reason": None}
        if not options.eligible:
            dispatcher.utter_message(
                response=f"utter_return_not_eligible_{options.reason}",
                order_number=options.order_number,
                carrier=options.carrier or "",
                eta=format_date(options.estimated_delivery, language),
                delivered_date=format_date(options.delivered_at, language),
                deadline=format_date(options.deadline, language),
                window_days=policy.RETURN_WINDOW_DAYS,
            )
            return {"requested_slot": None, "return_item": None, "return_reason": None}
        return {"return_item": None, "return_reason": None}

    async def validate_return_item(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        order_number, identity = tracker.get_slot("order_number"), tracker.get_slot("identity")
        if not order_number or not identity:
            return {"return_item": None}
        try:
            options = await call_service(options_service(order_number, identity))
        except Exception:  # noqa: BLE001
            log_failure("return item check", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return {"return_item": None, "requested_slot": None}
        choice = match_item(slot_text(slot_value), options)
        if choice is None:
            dispatcher.utter_message(response="utter_return_item_not_understood")
        return {"return_item": choice}

    def validate_return_reason(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        text = slot_text(slot_value)
        if policy.is_other_choice(text):
            return {"return_reason": None}  # action_ask_return_reason asks for details
        if policy.clean_reason(text) is None:
            dispatcher.utter_message(response="utter_return_reason_not_understood")
            return {"return_reason": None}
        return {"return_reason": text}


def _request(order_number: str, identity: str, item: str, reason: str, language: str) -> Any:
    lines = None if item == ALL else [return_service.ReturnLine(item)]

    def service(uow: Any) -> return_service.ReturnView:
        return return_service.request_return(
            uow, order_number, identity_of(identity), lines, reason, language=language
        )

    return service


class ActionRequestReturn(Action):
    """Creates the return and its refund, then gives the references and what happens next."""

    def name(self) -> Text:
        return "action_request_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        done = [SlotSet("return_item", None), SlotSet("return_reason", None)]
        order_number, identity = tracker.get_slot("order_number"), tracker.get_slot("identity")
        item, reason = tracker.get_slot("return_item"), tracker.get_slot("return_reason")
        if not (order_number and identity and item and reason):
            return done  # the form stopped early and already said why
        language = conversation_language(tracker)
        try:
            view = await call_service(_request(order_number, identity, item, reason, language))
        except return_service.ReturnNotAllowed as exc:
            dispatcher.utter_message(
                response=f"utter_return_not_eligible_{exc.reason}",
                order_number=order_number,
                carrier="",
                eta=format_date(None, language),
                delivered_date=format_date(None, language),
                deadline=format_date(exc.deadline, language),
                window_days=policy.RETURN_WINDOW_DAYS,
            )
            return done
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_return_item_not_available")
            return done
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            log_failure("return request", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return done
        sep = "、" if language == "zh" else ", "
        values = {
            "order_number": view.order_number,
            "return_reference": view.reference,
            "items": sep.join(f"{i.quantity} × {i.name(language)}" for i in view.items),
            "refund_amount": format_money(view.refund_amount, view.currency, language),
            "refund_reference": view.refund_reference or "",
            "ship_by": format_date(view.ship_back_by, language),
            "contact": view.instructions_sent_to or "",
            "return_address": ", ".join(policy.RETURN_ADDRESS),
        }
        if not view.created:
            dispatcher.utter_message(response="utter_return_already_requested", **values)
        elif view.instructions_sent_to:
            dispatcher.utter_message(response="utter_return_created", **values)
        else:
            dispatcher.utter_message(response="utter_return_created_no_contact", **values)
        label = "utter_return_label_free" if view.free_label else "utter_return_label_own_cost"
        dispatcher.utter_message(response=label)
        return [*done, SlotSet("order_number", None)]
