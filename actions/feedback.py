"""Complaints (a ticket with a reference) and reviews (1-5 stars, optional text)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_common import (
    NONE,
    clean_free_text,
    reset_events,
    signed_out_events,
    technical_problem,
    verified_customer,
    yes_or_no,
)
from actions.crm import call_service
from actions.order_identity import find_identity, find_order_number
from actions.verification import AccountFormValidation, VerifyingFormValidation
from crm_backend import errors
from crm_backend.services import feedback

_PRIORITY_RESPONSES = {
    "urgent": "utter_feedback_complaint_filed_urgent",
    "high": "utter_feedback_complaint_filed_high",
}
_MIN_COMPLAINT = 3  # characters


def _order_of(slot: Optional[str]) -> Optional[str]:
    return find_order_number(slot) if slot and slot != NONE else None


class ValidateComplaintForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_complaint_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        # the e-mail/phone is only needed to link an order to an unverified customer
        needs_identity = (
            _order_of(tracker.get_slot("feedback_order")) is not None
            and verified_customer(tracker) is None
        )
        return [slot for slot in domain_slots if slot != "identity" or needs_identity]

    def validate_feedback_complaint(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        text = clean_free_text(slot_value)
        if len(re.sub(r"\W", "", text)) < _MIN_COMPLAINT:
            dispatcher.utter_message(response="utter_feedback_complaint_too_short")
            return {"feedback_complaint": None}
        return {"feedback_complaint": text}

    def validate_feedback_order(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        if slot_value == NONE or yes_or_no(slot_value) == "no":
            return {"feedback_order": NONE}
        number = find_order_number(slot_value)
        if number is None:
            dispatcher.utter_message(response="utter_feedback_invalid_order")
        return {"feedback_order": number}

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


class ActionFileComplaint(Action):
    """Stores the complaint as a ticket and gives its reference with an apology."""

    def name(self) -> Text:
        return "action_file_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        text = tracker.get_slot("feedback_complaint")
        if not text:
            return reset_events()
        order_number = _order_of(tracker.get_slot("feedback_order"))
        identity = tracker.get_slot("identity") if order_number else None
        email = identity if identity and "@" in identity else None
        phone = identity if identity and "@" not in identity else None
        customer_id = verified_customer(tracker)
        try:
            ticket = await call_service(
                lambda uow: feedback.file_complaint(
                    uow,
                    text,
                    customer_id=customer_id,
                    order_number=order_number,
                    email=email,
                    phone=phone,
                    conversation_id=tracker.sender_id,
                )
            )
        except errors.NotFound:  # the verified account disappeared meanwhile
            dispatcher.utter_message(response="utter_account_verification_lost")
            return reset_events() + signed_out_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "filing a complaint")
            return reset_events()
        response = _PRIORITY_RESPONSES.get(ticket.priority, "utter_feedback_complaint_filed_normal")
        dispatcher.utter_message(response=response, reference=ticket.reference)
        return reset_events()


class ValidateReviewForm(VerifyingFormValidation):
    def name(self) -> Text:
        return "validate_review_form"

    def validate_feedback_rating(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        try:
            return {"feedback_rating": str(feedback.clean_rating(slot_value))}
        except errors.ValidationError:
            dispatcher.utter_message(response="utter_feedback_invalid_rating")
            return {"feedback_rating": None}

    def validate_feedback_text(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        text = clean_free_text(slot_value)
        if slot_value == NONE or not text or yes_or_no(text) == "no":
            return {"feedback_text": NONE}
        return {"feedback_text": text}


class ActionLeaveReview(Action):
    """Stores the verified customer's review (with the order named in the opening
    message, if it is theirs) and thanks them."""

    def name(self) -> Text:
        return "action_leave_review"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer_id = verified_customer(tracker)
        rating = tracker.get_slot("feedback_rating")
        if customer_id is None or not rating:
            return reset_events()
        text = tracker.get_slot("feedback_text")
        text = None if text == NONE else text
        order_number = _order_of(tracker.get_slot("feedback_order"))

        def store(uow: Any) -> feedback.ReviewView:
            return feedback.leave_review(uow, customer_id, rating, text, order_number=order_number)

        try:
            try:
                review = await call_service(store)
            except errors.OrderNotFound:  # not their order: keep the review, drop the link
                order_number = None
                review = await call_service(store)
        except errors.NotFound:
            dispatcher.utter_message(response="utter_account_verification_lost")
            return reset_events() + signed_out_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "storing a review")
            return reset_events()
        low = review.rating <= 2
        response = "utter_feedback_review_thanks_low" if low else "utter_feedback_review_thanks"
        dispatcher.utter_message(response=response, rating=review.rating)
        return reset_events()
