"""Signing up, sign-up problems and password recovery in chat.

Signing up confirms the e-mail address first: ``create_account_form`` asks the name, the
address, the newsletter choice and a confirmation, e-mails a one-time code and creates the
account only when the code is typed back (then the conversation counts as verified for the
new customer). The answers are the same whether or not the address already has an account.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_common import (
    find_email,
    reset_events,
    technical_problem,
    verified_slots,
    yes_or_no,
)
from actions.crm import call_service
from actions.language import conversation_language
from actions.verification import (
    EXPIRED,
    LOCKED,
    RESEND,
    RETRY,
    AccountFormValidation,
    explain_code_failure,
)
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

    async def validate_account_confirm(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        answer = yes_or_no(slot_value)
        if answer is None:
            dispatcher.utter_message(response="utter_account_yes_or_no")
            return {"account_confirm": None}
        if answer == "no":
            return self._give_up(dispatcher)
        email = tracker.get_slot("account_email")
        return {"account_confirm": "yes", **await self._send_code(email, dispatcher, tracker)}

    async def validate_account_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        new_email = find_email(slot_value)
        if new_email:  # "wrong address? just type the right one"
            return await self._send_code(new_email, dispatcher, tracker)
        email = tracker.get_slot("account_email")
        if isinstance(slot_value, str) and RESEND.search(slot_value):
            return await self._send_code(email, dispatcher, tracker)
        if yes_or_no(slot_value) == "no":  # "cancel", "不要了", ...
            return self._give_up(dispatcher)
        return await self._create(slot_value, dispatcher, tracker)

    def _give_up(self, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        dispatcher.utter_message(response="utter_account_not_created")
        self.abort()
        return {"account_code": None, "account_challenge": None}

    async def _send_code(
        self, email: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """E-mail a code to confirm ``email`` (or, if it has an account, the next steps)."""
        language = conversation_language(tracker)
        name = tracker.get_slot("account_name")
        try:
            result = await call_service(
                lambda uow: registration.sign_up(
                    uow,
                    name=name,
                    email=email,
                    language=language,
                    conversation_id=tracker.sender_id,
                )
            )
        except RateLimited:
            dispatcher.utter_message(response="utter_account_too_many_requests")
            self.abort()
            return {"account_code": None, "account_challenge": None}
        except errors.ValidationError as invalid:
            if invalid.field == "email":
                dispatcher.utter_message(response="utter_account_invalid_email")
                return {"account_email": None, "account_code": None, "account_challenge": None}
            dispatcher.utter_message(response="utter_account_invalid_name")
            return {"account_name": None, "account_code": None, "account_challenge": None}
        except Exception:  # noqa: BLE001 - apologise, log without personal data
            technical_problem(dispatcher, tracker, "sending a sign-up code")
            self.abort()
            return {"account_code": None, "account_challenge": None}
        dispatcher.utter_message(response="utter_account_signup_code_sent", email=result.email)
        return {
            "account_email": result.email,
            "account_challenge": result.challenge_id,
            "account_code": None,
        }

    async def _create(
        self, code: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """Create the account if ``code`` is the one e-mailed to the address."""
        name, email = tracker.get_slot("account_name"), tracker.get_slot("account_email")
        challenge_id = tracker.get_slot("account_challenge")
        if not name or not email or not challenge_id:  # no code was sent: send one
            return await self._send_code(email, dispatcher, tracker)
        language = conversation_language(tracker)
        newsletter = tracker.get_slot("account_newsletter") == "yes"
        try:
            created = await call_service(
                lambda uow: registration.confirm_sign_up(
                    uow,
                    name=name,
                    email=email,
                    challenge_id=challenge_id,
                    code=code,
                    language=language,
                    newsletter=newsletter,
                    conversation_id=tracker.sender_id,
                )
            )
        except Exception as error:  # noqa: BLE001 - the code's problems are explained below
            failure = explain_code_failure(error, dispatcher, "utter_account_signup_locked")
            if failure == RETRY:
                return {"account_code": None}
            if failure == LOCKED:
                self.abort()
                return {"account_code": None, "account_challenge": None}
            if failure == EXPIRED:
                return await self._send_code(email, dispatcher, tracker)
            technical_problem(dispatcher, tracker, "creating an account")
            self.abort()
            return {"account_code": None}
        dispatcher.utter_message(response="utter_account_signup_done", name=created.name)
        return {**verified_slots(created.customer_id), "account_code": "confirmed"}


class ActionCreateAccount(Action):
    """Ends the sign-up: ``create_account_form`` has created the account once the code
    e-mailed to the address was typed back (or told the customer why not)."""

    def name(self) -> Text:
        return "action_create_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
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
