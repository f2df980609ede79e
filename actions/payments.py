"""Payments: which methods we accept (per region if the customer names one), and the
payment-problem form (optional order, a description) that opens a ticket."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.aftersales_common import NO_ORDER, requested_slot
from actions.crm import call_service
from actions.language import conversation_language
from actions.order_identity import (
    OrderIdentityValidation,
    find_order_number,
    identity_of,
    latest_intent,
    latest_text,
    log_failure,
    slot_text,
)
from crm_backend import errors
from crm_backend.services import payment_methods as methods_data
from crm_backend.services import payments as payment_service

_NO_ORDER_WORDS = {
    "no",
    "none",
    "no order",
    "not about an order",
    "n/a",
    "没有",
    "不是",
    "无",
    "没有订单",
}
MIN_WORDS, MIN_HAN = 5, 8  # a first message this long already describes the problem


def _descriptive(text: str) -> bool:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return han >= MIN_HAN or len(text.split()) >= MIN_WORDS


class ValidatePaymentIssueForm(OrderIdentityValidation, FormValidationAction):
    """Which order (or none), the e-mail/phone if there is one, and what went wrong."""

    def name(self) -> Text:
        return "validate_payment_issue_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("payment_issue_order") == NO_ORDER:
            return [slot for slot in domain_slots if slot != "identity"]
        return domain_slots

    async def extract_payment_issue_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text, asked = latest_text(tracker), requested_slot(tracker)
        if asked is None and latest_intent(tracker) == "payment_issue":  # the first message
            found = find_order_number(text)
            return {"payment_issue_order": found} if found else {}
        if asked != "payment_issue_order":
            return {}
        if latest_intent(tracker) == "deny":
            return {"payment_issue_order": NO_ORDER}
        if latest_intent(tracker) == "stop" or not text.strip():
            return {}
        return {"payment_issue_order": text}

    async def extract_payment_issue_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text, asked = latest_text(tracker).strip(), requested_slot(tracker)
        if asked is None and latest_intent(tracker) == "payment_issue" and _descriptive(text):
            return {"payment_issue_description": text}
        if asked != "payment_issue_description" or latest_intent(tracker) == "stop":
            return {}
        return {"payment_issue_description": text} if text and not text.startswith("/") else {}

    def validate_payment_issue_order(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        text = slot_text(slot_value) or ""
        if text == NO_ORDER or text.strip().lower().strip(".!。！") in _NO_ORDER_WORDS:
            return {"payment_issue_order": NO_ORDER}
        order_number = find_order_number(text)
        if order_number is None:
            dispatcher.utter_message(response="utter_payment_issue_order_not_understood")
        return {"payment_issue_order": order_number}

    def validate_payment_issue_description(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        text = slot_text(slot_value)
        if text is None or not any(ch.isalnum() for ch in text):
            dispatcher.utter_message(response="utter_payment_issue_description_too_short")
            return {"payment_issue_description": None}
        return {"payment_issue_description": text}


def _report(description: str, order: Optional[str], identity: Optional[str], sender: str) -> Any:
    def service(uow: Any) -> payment_service.PaymentIssueView:
        who = identity_of(identity) if identity else None
        return payment_service.report_payment_issue(
            uow, description, order_number=order, identity=who, conversation_id=sender
        )

    return service


class ActionReportPaymentIssue(Action):
    """Opens the payment ticket and gives its number."""

    def name(self) -> Text:
        return "action_report_payment_issue"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        description = tracker.get_slot("payment_issue_description")
        order = tracker.get_slot("payment_issue_order")
        order = order if order and order != NO_ORDER else None
        identity = tracker.get_slot("identity")
        done = [SlotSet("payment_issue_order", None), SlotSet("payment_issue_description", None)]
        if not description:
            return done
        try:
            try:
                view = await call_service(_report(description, order, identity, tracker.sender_id))
            except (errors.NotFound, errors.ValidationError):
                # a mistyped order must not stop the report: open it without the order
                dispatcher.utter_message(response="utter_order_not_found", order_number=order)
                view = await call_service(_report(description, None, None, tracker.sender_id))
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            log_failure("payment issue report", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return done
        if not view.created:
            response = "utter_payment_issue_already_reported"
        elif view.priority == "high":
            response = "utter_payment_issue_reported_urgent"
        else:
            response = "utter_payment_issue_reported"
        dispatcher.utter_message(response=response, reference=view.reference)
        return done


class ActionPaymentMethods(Action):
    """Answers from the payment methods data, for the region the customer mentions."""

    def name(self) -> Text:
        return "action_payment_methods"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        text = latest_text(tracker)
        region = methods_data.region_in_text(text)
        asked = methods_data.method_in_text(text)
        available = methods_data.payment_methods(region)
        sep = "、" if language == "zh" else ", "
        names = sep.join(m.name(language) for m in available)
        where = methods_data.region_name(region, language) if region else ""
        if asked is not None:
            regions = sep.join(methods_data.region_name(r, language) for r in asked.regions)
            response = (
                "utter_payment_method_not_in_region"
                if region and region not in asked.regions
                else "utter_payment_method_accepted"
            )
            dispatcher.utter_message(
                response=response,
                method=asked.name(language),
                regions=regions,
                currencies=sep.join(asked.currencies),
                region=where,
                methods=names,
            )
        elif region:
            dispatcher.utter_message(
                response="utter_payment_methods_region", region=where, methods=names
            )
        else:
            listing = "\n".join(
                "• {} ({})".format(
                    m.name(language),
                    sep.join(methods_data.region_name(r, language) for r in m.regions),
                )
                for m in available
            )
            dispatcher.utter_message(response="utter_payment_methods", methods=listing)
        return []
