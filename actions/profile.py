"""Editing the verified customer's profile: name, phone, preferred language, e-mail.

A new e-mail address must be confirmed with a code sent to it before it is saved
(``account_new_email_code``, asked only for that field). The chat answers the same
whether or not another account uses that address (its owner is e-mailed instead).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_common import (
    field_of,
    find_email,
    language_of,
    reset_events,
    signed_out_events,
    technical_problem,
    verified_customer,
)
from actions.crm import call_service
from actions.language import conversation_language
from actions.verification import RESEND, RETRY, VerifyingFormValidation, explain_code_failure
from crm_backend import errors
from crm_backend.services import accounts, email_change
from crm_backend.services.throttle import RateLimited

CONFIRMED = "confirmed"


class ValidateEditAccountForm(VerifyingFormValidation):
    def name(self) -> Text:
        return "validate_edit_account_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot("account_field") != "email":
            slots = [slot for slot in slots if slot != "account_new_email_code"]
        return slots

    def validate_account_field(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        field = field_of(slot_value)
        if field is None:
            dispatcher.utter_message(response="utter_account_invalid_field")
        return {"account_field": field}

    async def validate_account_new_value(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        field = tracker.get_slot("account_field")
        try:
            if field == "name":
                return {"account_new_value": accounts.clean_name(slot_value)}
            if field == "phone":
                return {"account_new_value": accounts.clean_phone(slot_value)}
        except errors.ValidationError:
            dispatcher.utter_message(response=f"utter_account_invalid_{field}")
            return {"account_new_value": None}
        if field == "language":
            language = language_of(slot_value)
            if language is None:
                dispatcher.utter_message(response="utter_account_invalid_language")
            return {"account_new_value": language}
        if field == "email":
            return await self._request_email_change(slot_value, dispatcher, tracker)
        return {"account_field": None, "account_new_value": None}

    async def _request_email_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        email, customer_id = find_email(value), verified_customer(tracker)
        if email is None or customer_id is None:
            dispatcher.utter_message(response="utter_account_invalid_email")
            return {"account_new_value": None}
        language = conversation_language(tracker)
        try:
            challenge = await call_service(
                lambda uow: email_change.request_email_change(
                    uow, customer_id, email, language=language, conversation_id=tracker.sender_id
                )
            )
        except errors.ValidationError:
            dispatcher.utter_message(response="utter_account_email_same")
            return {"account_new_value": None}
        except RateLimited:
            dispatcher.utter_message(response="utter_account_too_many_requests")
            self.abort()
            return {"account_new_value": None}
        except errors.NotFound:
            dispatcher.utter_message(response="utter_account_verification_lost")
            self.abort()
            return {"account_new_value": None, **{e["name"]: None for e in signed_out_events()}}
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "requesting an e-mail change")
            self.abort()
            return {"account_new_value": None}
        dispatcher.utter_message(response="utter_account_email_code_sent", account_new_value=email)
        return {"account_new_value": email, "account_challenge": challenge.challenge_id}

    async def validate_account_new_email_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        customer_id = verified_customer(tracker)
        email, challenge_id = (
            tracker.get_slot("account_new_value"),
            tracker.get_slot("account_challenge"),
        )
        if customer_id is None or not email or not challenge_id:
            return {"account_new_value": None, "account_new_email_code": None}
        if isinstance(slot_value, str) and RESEND.search(slot_value):
            sent = await self._request_email_change(email, dispatcher, tracker)
            return {**sent, "account_new_email_code": None}
        try:
            await call_service(
                lambda uow: email_change.confirm_email_change(
                    uow,
                    customer_id,
                    email,
                    challenge_id,
                    slot_value,
                    conversation_id=tracker.sender_id,
                )
            )
        except errors.Conflict:
            dispatcher.utter_message(response="utter_account_email_taken")
            return {
                "account_new_value": None,
                "account_new_email_code": None,
                "account_challenge": None,
            }
        except Exception as error:  # noqa: BLE001 - the code's problems are explained below
            failure = explain_code_failure(error, dispatcher)
            if failure == RETRY:
                return {"account_new_email_code": None}
            if failure is not None:
                return {
                    "account_new_value": None,
                    "account_new_email_code": None,
                    "account_challenge": None,
                }
            technical_problem(dispatcher, tracker, "confirming an e-mail change")
            self.abort()
            return {"account_new_email_code": None}
        return {"account_new_email_code": CONFIRMED, "account_challenge": None}


class ActionEditAccount(Action):
    """Saves the new name / phone / language (an e-mail change is already saved by then)."""

    def name(self) -> Text:
        return "action_edit_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer_id = verified_customer(tracker)
        field, value = tracker.get_slot("account_field"), tracker.get_slot("account_new_value")
        if customer_id is None or not field or not value:
            return reset_events()
        if field == "email":
            if tracker.get_slot("account_new_email_code") == CONFIRMED:
                dispatcher.utter_message(response="utter_account_updated_email", value=value)
            return reset_events()
        change = {
            {"name": "name", "phone": "phone", "language": "preferred_language"}[field]: value
        }
        try:
            view = await call_service(
                lambda uow: accounts.update_profile(
                    uow, customer_id, conversation_id=tracker.sender_id, **change
                )
            )
        except errors.NotFound:
            dispatcher.utter_message(response="utter_account_verification_lost")
            return reset_events() + signed_out_events()
        except errors.ValidationError:
            dispatcher.utter_message(response=f"utter_account_invalid_{field}")
            return reset_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "updating a profile")
            return reset_events()
        if field == "language":
            dispatcher.utter_message(
                response=f"utter_account_updated_language_{view.preferred_language}"
            )
        else:
            dispatcher.utter_message(
                response=f"utter_account_updated_{field}", value=getattr(view, field)
            )
        return reset_events()
