"""Cancel an order (show status and fee, ask yes/no, cancel) and the cancellation-fee answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.crm import call_service
from actions.formatting import format_date, format_money
from actions.language import conversation_language
from actions.order_flow import (
    ESCAPE_INTENTS,
    REQUESTED_SLOT,
    OrderFormValidation,
    Outcome,
    is_requested,
    locked_response,
    slot_text,
    yes_or_no,
)
from actions.order_identity import identity_of, latest_intent, log_failure
from actions.retention import make_retention_offer
from crm_backend import errors
from crm_backend.services import order_changes, policies
from crm_backend.services.order_changes import CancellationQuote, CancellationResult


def format_moment(value: Optional[datetime], language: str) -> str:
    """A date with the time of day (the free window ends at a precise moment)."""
    if value is None:
        return format_date(None, language)
    return f"{format_date(value, language)} {value:%H:%M} (UTC)"


def _quote_marker(tracker: Tracker) -> Dict[str, str]:
    return {
        "order_number": slot_text(tracker.get_slot("order_number")) or "",
        "identity": slot_text(tracker.get_slot("identity")) or "",
    }


def _quoted_for_current_order(tracker: Tracker) -> bool:
    quote = tracker.get_slot("cancel_quote")
    if not isinstance(quote, dict):
        return False
    marker = _quote_marker(tracker)
    return all(quote.get(key) == value for key, value in marker.items())


def utter_quote(dispatcher: CollectingDispatcher, quote: CancellationQuote, language: str) -> None:
    """Say what cancelling would cost, or why the order can't be cancelled."""
    money = lambda amount: format_money(amount, quote.currency, language)  # noqa: E731
    values = {
        "order_number": quote.order_number,
        "total": money(quote.total),
        "fee": money(quote.fee),
        "refund": money(quote.refund_amount),
        "free_until": format_moment(quote.free_until, language),
        "shipped_date": format_date(quote.shipped_at, language),
        "delivered_date": format_date(quote.delivered_at, language),
        "cancelled_date": format_date(quote.cancelled_at, language),
    }
    if quote.status == "cancelled":
        if quote.existing_refund_amount is not None:
            values["refund"] = money(quote.existing_refund_amount)
            dispatcher.utter_message(response="utter_cancel_already_cancelled_refund", **values)
        else:
            dispatcher.utter_message(response="utter_cancel_already_cancelled", **values)
    elif not quote.cancellable:
        dispatcher.utter_message(response=locked_response(quote.status), **values)
    elif not quote.paid:
        dispatcher.utter_message(response="utter_cancel_quote_unpaid", **values)
    elif quote.fee == 0:
        dispatcher.utter_message(response="utter_cancel_quote_free", **values)
    else:
        dispatcher.utter_message(response="utter_cancel_quote_fee", **values)


async def _look_up_quote(
    order_number: str, identity: str, dispatcher: CollectingDispatcher, tracker: Tracker
) -> Outcome:
    """Quote the cancellation; remember it (``cancel_quote``) if the order can be cancelled."""
    language = conversation_language(tracker)
    try:
        who = identity_of(identity)
        quote = await call_service(
            lambda uow: order_changes.quote_cancellation(uow, order_number, who)
        )
    except (errors.NotFound, errors.ValidationError):
        dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
        return Outcome({"order_number": None, "identity": None, "cancel_quote": None})
    except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
        log_failure("cancellation quote", tracker)
        dispatcher.utter_message(response="utter_technical_problem")
        return Outcome(stop=True)
    utter_quote(dispatcher, quote, language)
    if not quote.cancellable:
        return Outcome({"cancel_quote": None}, stop=True)
    marker = {"order_number": order_number, "identity": identity, "fee": str(quote.fee)}
    return Outcome({"cancel_quote": marker})


class ValidateCancelOrderForm(OrderFormValidation):
    """order_number, identity, then yes/no after the quote was shown."""

    def name(self) -> Text:
        return "validate_cancel_order_form"

    def needs_lookup(self, tracker: Tracker) -> bool:
        return not _quoted_for_current_order(tracker)

    async def on_order_identified(
        self, order_number: str, identity: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Outcome:
        return await _look_up_quote(order_number, identity, dispatcher, tracker)

    async def extract_cancel_decision(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not is_requested(tracker, "cancel_decision"):
            return {}
        answer = yes_or_no(tracker)
        if answer is None:
            if latest_intent(tracker) in ESCAPE_INTENTS:
                return {}  # let the rules handle "never mind", "hi", ...
            dispatcher.utter_message(response="utter_please_yes_or_no")
            return {"cancel_decision": None}
        return {"cancel_decision": "yes" if answer else "no"}

    def validate_cancel_decision(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return {"cancel_decision": slot_value if slot_value in ("yes", "no") else None}


def _reset() -> List[EventType]:
    return [
        SlotSet("cancel_decision", None),
        SlotSet("cancel_quote", None),
        SlotSet("order_number", None),
    ]


def _utter_result(
    dispatcher: CollectingDispatcher, result: CancellationResult, language: str
) -> None:
    money = lambda amount: format_money(amount, result.currency, language)  # noqa: E731
    values = {
        "order_number": result.order_number,
        "fee": money(result.fee),
        "refund": money(result.refund_amount) if result.refund_amount is not None else "",
        "refund_reference": result.refund_reference or "",
        "cancelled_date": format_date(result.cancelled_at, language),
    }
    if result.already_cancelled:
        key = "utter_cancel_already_cancelled" + ("_refund" if result.refund_amount else "")
    elif result.refund_amount is not None:
        key = "utter_cancel_done_refund_fee" if result.fee else "utter_cancel_done_refund"
    elif result.fee:
        key = "utter_cancel_done_no_refund"
    else:
        key = "utter_cancel_done_unpaid"
    dispatcher.utter_message(response=key, **values)


class ActionCancelOrder(Action):
    """After the form: cancel on "yes", keep the order on "no", nothing if refused earlier."""

    def name(self) -> Text:
        return "action_cancel_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        decision = tracker.get_slot("cancel_decision")
        order_number = slot_text(tracker.get_slot("order_number"))
        quote = tracker.get_slot("cancel_quote")
        if decision == "no" and order_number:
            dispatcher.utter_message(response="utter_cancel_kept", order_number=order_number)
        if decision != "yes" or not order_number or not _quoted_for_current_order(tracker):
            return _reset()
        try:
            accepted = Decimal(str(quote.get("fee")))
            who = identity_of(tracker.get_slot("identity"))
            result = await call_service(
                lambda uow: order_changes.cancel_order(
                    uow, order_number, who, confirm=True, accept_fee=accepted
                )
            )
        except order_changes.FeeChanged as changed:
            dispatcher.utter_message(
                response="utter_cancel_fee_changed",
                order_number=order_number,
                fee=format_money(changed.fee, "GBP", language),
            )
        except errors.InvalidState:
            dispatcher.utter_message(
                response="utter_cancel_no_longer_possible", order_number=order_number
            )
        except (errors.NotFound, errors.ValidationError, InvalidOperation):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
        except Exception:  # noqa: BLE001
            log_failure("cancellation", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
        else:
            _utter_result(dispatcher, result, language)
            if not result.already_cancelled:
                # a verified high-risk customer gets a retention offer; silent otherwise
                # (the yes/no to it: data/rules/retention.yml, see docs/retention.md)
                return _reset() + await make_retention_offer(dispatcher, tracker, "cancel_order")
        return _reset()


class ValidateCancellationFeeForm(OrderFormValidation):
    """With an order number in the question: identity, then the exact quote. Without one the
    form ends at once and the policy is the answer."""

    def name(self) -> Text:
        return "validate_cancellation_fee_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        activating = (tracker.active_loop or {}).get("name") != self.form_name()
        if activating and not slot_text(tracker.get_slot("order_number")):
            return [SlotSet(REQUESTED_SLOT, None)]
        return await super().run(dispatcher, tracker, domain)

    def needs_lookup(self, tracker: Tracker) -> bool:
        return not _quoted_for_current_order(tracker)

    async def on_order_identified(
        self, order_number: str, identity: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Outcome:
        outcome = await _look_up_quote(order_number, identity, dispatcher, tracker)
        if outcome.slots.get("order_number", order_number) is not None:
            outcome.stop = True  # quoted (or refused): the answer is complete
        return outcome


class ActionCancellationFee(Action):
    """The cancellation policy from :mod:`crm_backend.services.policies` (after an exact quote
    only the offer to cancel)."""

    def name(self) -> Text:
        return "action_cancellation_fee"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        if slot_text(tracker.get_slot("order_number")):
            # the form quoted this order (or explained why it can't be cancelled)
            if _quoted_for_current_order(tracker):
                dispatcher.utter_message(response="utter_cancellation_fee_offer")
                return [SlotSet("cancel_decision", None)]  # "cancel it" may follow
            return _reset()
        money = lambda amount: format_money(amount, policies.FEE_CURRENCY, language)  # noqa: E731
        dispatcher.utter_message(
            response="utter_cancellation_policy",
            free_hours=int(policies.FREE_CANCELLATION_WINDOW.total_seconds() // 3600),
            rate=f"{(policies.CANCELLATION_FEE_RATE * 100).normalize():f}",
            fee_min=money(policies.CANCELLATION_FEE_MIN),
            fee_max=money(policies.CANCELLATION_FEE_MAX),
        )
        return _reset()
