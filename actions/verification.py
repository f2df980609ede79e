"""Verifying the customer in chat: e-mail address -> one-time code -> verified customer id.

``AccountFormValidation`` is the base of every account & feedback form validator: a
validator may end its form early (``abort``), e.g. when too many codes were requested.
``VerifyingFormValidation`` adds the two verification questions (``account_email``,
``account_code``) to a form and drops them once the conversation has a verified customer,
so later forms reuse it. ``verify_form`` asks only these two (used to switch accounts).
"""

from __future__ import annotations

import contextvars
import re
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.account_common import (
    find_email,
    reset_events,
    signed_out_events,
    technical_problem,
    verified_customer,
    verified_slots,
)
from actions.crm import call_service
from actions.language import conversation_language
from crm_backend import errors
from crm_backend.services import verification
from crm_backend.services.throttle import RateLimited

VERIFICATION_SLOTS = ("account_email", "account_code")
RESEND = re.compile(
    r"resend|send (it )?again|new code|didn'?t (get|receive)|重新发|再发|没收到|重发", re.I
)
# what explain_code_failure found wrong with a typed one-time code
RETRY, LOCKED, EXPIRED = "retry", "locked", "expired"


def explain_code_failure(
    error: BaseException,
    dispatcher: CollectingDispatcher,
    locked_response: str = "utter_account_code_locked",
) -> Optional[str]:
    """Tell the customer why a typed one-time code was not accepted.

    Returns :data:`RETRY` (a wrong or malformed code: ask for it again), :data:`LOCKED`
    (too many tries) or :data:`EXPIRED`, each already explained; None when ``error`` is
    not about the code (the caller handles it).
    """
    if isinstance(error, verification.WrongCode):
        dispatcher.utter_message(
            response="utter_account_code_wrong", attempts_left=error.attempts_left
        )
        return RETRY
    if isinstance(error, errors.ValidationError):
        dispatcher.utter_message(response="utter_account_code_malformed")
        return RETRY
    if isinstance(error, verification.TooManyAttempts):
        dispatcher.utter_message(response=locked_response)
        return LOCKED
    if isinstance(error, verification.CodeExpired):
        dispatcher.utter_message(response="utter_account_code_expired")
        return EXPIRED
    return None


_ABORTED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "account_form_aborted", default=False
)


class AccountFormValidation(FormValidationAction):
    """A form validator whose ``validate_<slot>`` methods may call :meth:`abort`."""

    @abstractmethod
    def name(self) -> Text:
        """Abstract: rasa_sdk registers only concrete actions."""

    @staticmethod
    def abort() -> None:
        """End the form after this validation (the validator has told the customer why)."""
        _ABORTED.set(True)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # rasa_sdk validates the slot events at the end of the tracker; at activation those
        # include the flow's slot resets (None), which are not answers to validate
        candidates = tracker.slots_to_validate
        tracker.slots_to_validate = lambda: {
            slot: value for slot, value in candidates().items() if value is not None
        }
        token = _ABORTED.set(False)
        try:
            events = await super().run(dispatcher, tracker, domain)
            if _ABORTED.get():
                events = [e for e in events if e.get("name") != REQUESTED_SLOT]
                events.append(SlotSet(REQUESTED_SLOT, None))
            return events
        finally:
            _ABORTED.reset(token)


class VerifyingFormValidation(AccountFormValidation):
    """Validators of forms that need a verified customer."""

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if verified_customer(tracker) is None:
            return list(domain_slots)
        return [slot for slot in domain_slots if slot not in VERIFICATION_SLOTS]

    async def _send_code(
        self, email: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        language = conversation_language(tracker)
        try:
            challenge = await call_service(
                lambda uow: verification.request_code(
                    uow, email, language=language, conversation_id=tracker.sender_id
                )
            )
        except errors.ValidationError:
            dispatcher.utter_message(response="utter_account_invalid_email")
            return {"account_email": None, "account_code": None}
        except RateLimited:
            dispatcher.utter_message(response="utter_account_too_many_requests")
            self.abort()
            return {"account_email": None, "account_code": None, "account_challenge": None}
        except Exception:  # noqa: BLE001 - apologise, log without personal data
            technical_problem(dispatcher, tracker, "sending a verification code")
            self.abort()
            return {"account_email": None, "account_code": None}
        dispatcher.utter_message(response="utter_account_code_sent", account_email=email)
        return {
            "account_email": email,
            "account_challenge": challenge.challenge_id,
            "account_code": None,
        }

    async def validate_account_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        email = find_email(slot_value)
        if email is None:
            dispatcher.utter_message(response="utter_account_invalid_email")
            return {"account_email": None}
        return await self._send_code(email, dispatcher, tracker)

    async def validate_account_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        email = tracker.get_slot("account_email")
        challenge_id = tracker.get_slot("account_challenge")
        new_email = find_email(slot_value)
        if new_email:  # "wrong address? just type the right one"
            return await self._send_code(new_email, dispatcher, tracker)
        if not email or not challenge_id:
            return {"account_email": None, "account_code": None, "account_challenge": None}
        if isinstance(slot_value, str) and RESEND.search(slot_value):
            return await self._send_code(email, dispatcher, tracker)
        try:
            verified = await call_service(
                lambda uow: verification.confirm_code(
                    uow, email, challenge_id, slot_value, conversation_id=tracker.sender_id
                )
            )
        except Exception as error:  # noqa: BLE001 - the code's problems are explained below
            failure = explain_code_failure(error, dispatcher)
            if failure == RETRY:
                return {"account_code": None}
            if failure is not None:
                return {"account_email": None, "account_code": None, "account_challenge": None}
            technical_problem(dispatcher, tracker, "checking a verification code")
            self.abort()
            return {"account_code": None}
        dispatcher.utter_message(response="utter_account_verified", name=verified.name)
        return {
            **verified_slots(verified.customer_id),
            "account_email": None,
            "account_code": None,
            "account_challenge": None,
        }


class ValidateVerifyForm(VerifyingFormValidation):
    def name(self) -> Text:
        return "validate_verify_form"


class ActionAccountVerified(Action):
    """After ``verify_form``: offer what a verified customer can do here."""

    def name(self) -> Text:
        return "action_account_verified"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if verified_customer(tracker) is not None:
            dispatcher.utter_message(response="utter_account_verified_what_next")
        return reset_events()


class ActionSwitchAccount(Action):
    """Explain how to switch accounts, forget the verified customer, verify another one."""

    def name(self) -> Text:
        return "action_switch_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        was_verified = verified_customer(tracker) is not None
        dispatcher.utter_message(
            response="utter_account_switch" if was_verified else "utter_account_switch_not_verified"
        )
        events = reset_events() + signed_out_events()
        email = find_email((tracker.latest_message or {}).get("text"))
        if email:  # "switch to bob@example.com": verify_form starts from that address
            events.append(SlotSet("account_email", email))
        return events
