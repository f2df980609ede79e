"""Signing up, sign-up problems and password recovery in chat."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_common import find_email, reset_events, technical_problem, yes_or_no
from actions.crm import call_service
from actions.language import conversation_language
from actions.verification import AccountFormValidation
from crm_backend import errors
from crm_backend.services import accounts, passwords, registration
from crm_backend.services.throttle import RateLimited


def _yes_no_slot(slot: str, value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    answer = yes_or_no(value)
    if answer is None:
        dispatcher.utter_message(response="utter_account_yes_or_no")
    return {slot: answer}


def _email_slot(value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    email = find_email(value)
    if email is None:
        dispatcher.utter_message(response="utter_account_invalid_email")
    return {"account_email": email}


class ValidateCreateAccountForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_create_account_form"

    def validate_account_name(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        try:
            return {"account_name": accounts.clean_name(slot_value)}
        except errors.ValidationError:
            dispatcher.utter_message(response="utter_account_invalid_name")
            return {"account_name": None}

    def validate_account_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return _email_slot(slot_value, dispatcher)

    def validate_account_newsletter(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return _yes_no_slot("account_newsletter", slot_value, dispatcher)

    def validate_account_confirm(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return _yes_no_slot("account_confirm", slot_value, dispatcher)


class ActionCreateAccount(Action):
    """Signs up once the form is confirmed; the language is the conversation's. The answer
    is the same whether or not the address already has an account (its owner is e-mailed)."""

    def name(self) -> Text:
        return "action_create_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        name, email = tracker.get_slot("account_name"), tracker.get_slot("account_email")
        if tracker.get_slot("account_confirm") != "yes" or not name or not email:
            dispatcher.utter_message(response="utter_account_not_created")
            return reset_events()
        newsletter = tracker.get_slot("account_newsletter") == "yes"
        language = conversation_language(tracker)
        try:
            result = await call_service(
                lambda uow: registration.sign_up(
                    uow,
                    name=name,
                    email=email,
                    language=language,
                    newsletter=newsletter,
                    conversation_id=tracker.sender_id,
                )
            )
        except RateLimited:
            dispatcher.utter_message(response="utter_account_too_many_requests")
            return reset_events()
        except errors.ValidationError as invalid:
            field = "name" if invalid.field == "name" else "email"
            dispatcher.utter_message(response=f"utter_account_invalid_{field}")
            return reset_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "creating an account")
            return reset_events()
        dispatcher.utter_message(
            response="utter_account_signup_emailed", name=result.name, email=result.email
        )
        return reset_events()


_DIAGNOSIS_RESPONSES = {
    registration.INVALID_EMAIL: "utter_account_registration_invalid_email",
    registration.EMAILED: "utter_account_registration_emailed",
}


class ValidateRegistrationForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_registration_form"

    def validate_account_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        # a malformed address may be the very problem: keep anything that tries to be one
        text = slot_value.strip()[:320] if isinstance(slot_value, str) else ""
        if "@" not in text:
            dispatcher.utter_message(response="utter_account_invalid_email")
            return {"account_email": None}
        return {"account_email": find_email(text) or text}


class ActionRegistrationProblem(Action):
    """Diagnoses a failed sign-up: a malformed address is explained; otherwise the next
    steps are e-mailed to the address, with the same answer whether or not it has an
    account (see :mod:`crm_backend.services.registration`)."""

    def name(self) -> Text:
        return "action_registration_problem"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        email = tracker.get_slot("account_email")
        if not email:
            return reset_events()
        description = tracker.get_slot("account_issue")
        language = conversation_language(tracker)
        try:
            result = await call_service(
                lambda uow: registration.diagnose_registration(
                    uow,
                    email,
                    description=description,
                    conversation_id=tracker.sender_id,
                    language=language,
                )
            )
        except RateLimited:
            dispatcher.utter_message(response="utter_account_too_many_requests")
            return reset_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "diagnosing a registration problem")
            return reset_events()
        dispatcher.utter_message(
            response=_DIAGNOSIS_RESPONSES[result.outcome], email=result.email or email
        )
        return reset_events()


class ValidateRecoverPasswordForm(AccountFormValidation):
    def name(self) -> Text:
        return "validate_recover_password_form"

    def validate_account_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return _email_slot(slot_value, dispatcher)


class ActionRecoverPassword(Action):
    """Queues a reset link; the answer never tells whether the address is registered."""

    def name(self) -> Text:
        return "action_recover_password"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        email = tracker.get_slot("account_email")
        if not email:
            return reset_events()
        language = conversation_language(tracker)
        try:
            await call_service(
                lambda uow: passwords.request_password_reset(
                    uow, email, language=language, conversation_id=tracker.sender_id
                )
            )
        except RateLimited:
            dispatcher.utter_message(response="utter_account_too_many_requests")
            return reset_events()
        except errors.ValidationError:
            dispatcher.utter_message(response="utter_account_invalid_email")
            return reset_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "requesting a password reset")
            return reset_events()
        dispatcher.utter_message(response="utter_account_reset_sent", email=email)
        return reset_events()
