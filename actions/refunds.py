"""Where is my refund (by order number or refund reference) and the refund policy answer."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.crm import call_service
from actions.formatting import format_date, format_money
from actions.language import conversation_language
from actions.order_identity import (
    OrderIdentityValidation,
    find_order_number,
    identity_of,
    latest_text,
    log_failure,
    slot_text,
)
from crm_backend import errors
from crm_backend.services import refunds as refund_service
from crm_backend.services import returns_policy as policy


class ValidateRefundStatusForm(OrderIdentityValidation, FormValidationAction):
    """Order number *or* refund reference, then the e-mail or phone on the order."""

    def name(self) -> Text:
        return "validate_refund_status_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("refund_reference"):
            return ["refund_reference", "identity"]
        return domain_slots

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        reference = refund_service.find_refund_reference(latest_text(tracker))
        if reference and reference != tracker.get_slot("refund_reference"):
            events.append(SlotSet("refund_reference", reference))
        return events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        typed = tracker.get_slot("order_number")
        if tracker.get_slot("refund_reference") and refund_service.find_refund_reference(typed):
            events.append(SlotSet("order_number", None))  # it was the refund reference
        return events

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        text = slot_text(slot_value)
        reference = refund_service.find_refund_reference(text)
        if reference is not None:
            return {"order_number": None, "refund_reference": reference}
        order_number = find_order_number(text)
        if order_number is None:
            dispatcher.utter_message(response="utter_refund_lookup_not_understood")
        return {"order_number": order_number, "refund_reference": None}

    def validate_refund_reference(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return {"refund_reference": refund_service.find_refund_reference(slot_text(slot_value))}


def _lookup(order_number: Any, reference: Any, identity: str) -> Any:
    def service(uow: Any) -> tuple:
        who = identity_of(identity)
        if reference:
            return (refund_service.refund_by_reference(uow, reference, who),)
        return refund_service.refunds_for_order(uow, order_number, who)

    return service


class ActionRefundStatus(Action):
    """Answers with each refund's stage, amount and (expected) date."""

    def name(self) -> Text:
        return "action_refund_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        order_number = tracker.get_slot("order_number")
        reference = tracker.get_slot("refund_reference")
        identity = tracker.get_slot("identity")
        done = [SlotSet("refund_reference", None), SlotSet("order_number", None)]
        if not identity or not (order_number or reference):
            return done
        try:
            found = await call_service(_lookup(order_number, reference, identity))
        except errors.OrderNotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return [*done, SlotSet("identity", None)]
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(
                response="utter_refund_not_found", reference=reference or order_number
            )
            return [*done, SlotSet("identity", None)]
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            log_failure("refund status", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return done
        if not found:
            dispatcher.utter_message(
                response="utter_refund_none_for_order", order_number=order_number
            )
        for view in found:
            dispatcher.utter_message(
                response=f"utter_refund_status_{view.stage}",
                reference=view.reference,
                order_number=view.order_number,
                amount=format_money(view.amount, view.currency, language),
                requested_date=format_date(view.created_at, language),
                expected_date=format_date(view.expected_by, language),
                processed_date=format_date(view.processed_at, language),
                return_reference=view.return_reference or "",
                bank_days=policy.BANK_DAYS,
            )
        return done


class ActionRefundPolicy(Action):
    """The returns and refunds policy, with the numbers from ``returns_policy``."""

    def name(self) -> Text:
        return "action_refund_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        summary = policy.policy_summary()
        dispatcher.utter_message(
            response="utter_refund_policy",
            window_days=summary.window_days,
            ship_back_days=summary.ship_back_days,
            processing_days=summary.processing_days,
            bank_days=summary.bank_days,
        )
        return []
