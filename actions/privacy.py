"""Newsletter subscription and account deletion for a verified customer.

Deletion flow: ``delete_account_form`` verifies the customer, then asks
``account_delete_confirm``: ``action_ask_account_delete_confirm`` first shows a retention
offer (once, inline, only when :func:`actions.retention.make_retention_offer` makes one to
this verified high-risk customer), then ``utter_ask_account_delete_confirm`` (what
deletion means, yes/no buttons). With an offer on screen the confirmation is also the
answer to it: "no, keep my account" accepts it, "yes, delete" declines it (recorded by
:func:`actions.retention.answer_retention_offer`). ``action_delete_account`` then records
the request, or says the account is kept. See docs/retention.md.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_common import (
    newsletter_choice,
    reset_events,
    signed_out_events,
    technical_problem,
    verified_customer,
    yes_or_no,
)
from actions.crm import call_service
from actions.formatting import format_date
from actions.language import conversation_language
from actions.retention import OFFER_SLOT, answer_retention_offer, make_retention_offer
from actions.verification import VerifyingFormValidation
from crm_backend import errors
from crm_backend.services import account_deletion, newsletter


class ValidateNewsletterForm(VerifyingFormValidation):
    def name(self) -> Text:
        return "validate_newsletter_form"

    def validate_account_newsletter_choice(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        # the form asks again (with the two buttons) when the answer is unclear
        return {"account_newsletter_choice": newsletter_choice(slot_value)}


class ActionNewsletter(Action):
    """Subscribes or unsubscribes the verified customer and confirms it."""

    def name(self) -> Text:
        return "action_newsletter"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer_id = verified_customer(tracker)
        choice = tracker.get_slot("account_newsletter_choice")
        if customer_id is None or choice not in {"subscribe", "unsubscribe"}:
            return reset_events()
        subscribe = choice == "subscribe"
        try:
            view = await call_service(
                lambda uow: newsletter.set_newsletter(
                    uow, customer_id, subscribe, conversation_id=tracker.sender_id
                )
            )
        except errors.NotFound:
            dispatcher.utter_message(response="utter_account_verification_lost")
            return reset_events() + signed_out_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "changing a newsletter subscription")
            return reset_events()
        state = "subscribed" if subscribe else "unsubscribed"
        prefix = (
            "utter_account_newsletter_" if view.changed else "utter_account_newsletter_already_"
        )
        dispatcher.utter_message(response=prefix + state, email=view.email)
        return reset_events()


class ValidateDeleteAccountForm(VerifyingFormValidation):
    def name(self) -> Text:
        return "validate_delete_account_form"

    async def validate_account_delete_confirm(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        answer = yes_or_no(slot_value)
        if answer is None:
            dispatcher.utter_message(response="utter_account_yes_or_no")
            return {"account_delete_confirm": None}
        values: Dict[Text, Any] = {"account_delete_confirm": answer}
        if tracker.get_slot(OFFER_SLOT):
            # "no, keep my account" accepts the offer shown above; "yes, delete" declines it
            events = await answer_retention_offer(dispatcher, tracker, accept=answer == "no")
            values.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        return values


class ActionAskAccountDeleteConfirm(Action):
    """The final question of the deletion, after the retention offer (if any, once)."""

    def name(self) -> Text:
        return "action_ask_account_delete_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = []
        if not tracker.get_slot(OFFER_SLOT):  # offer once, not on every re-ask
            events = await make_retention_offer(dispatcher, tracker, "delete_account", inline=True)
        dispatcher.utter_message(response="utter_ask_account_delete_confirm")
        return events


class ActionDeleteAccount(Action):
    """Records a GDPR deletion request once the verified customer confirmed it."""

    def name(self) -> Text:
        return "action_delete_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer_id = verified_customer(tracker)
        if customer_id is None:
            return reset_events()
        if tracker.get_slot("account_delete_confirm") != "yes":
            dispatcher.utter_message(response="utter_account_deletion_cancelled")
            return reset_events()
        language = conversation_language(tracker)
        try:
            view = await call_service(
                lambda uow: account_deletion.request_account_deletion(
                    uow, customer_id, language=language, conversation_id=tracker.sender_id
                )
            )
        except errors.NotFound:
            dispatcher.utter_message(response="utter_account_verification_lost")
            return reset_events() + signed_out_events()
        except Exception:  # noqa: BLE001
            technical_problem(dispatcher, tracker, "requesting an account deletion")
            return reset_events()
        due_date = format_date(view.due_by, language)
        if view.already_requested:
            dispatcher.utter_message(
                response="utter_account_deletion_already_requested",
                reference=view.reference,
                due_date=due_date,
            )
            return reset_events()
        dispatcher.utter_message(
            response="utter_account_deletion_requested",
            reference=view.reference,
            due_date=due_date,
            email=view.email,
        )
        if view.orders_in_progress:
            dispatcher.utter_message(
                response="utter_account_deletion_orders_in_progress", count=view.orders_in_progress
            )
        return reset_events()
