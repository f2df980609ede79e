"""Change an order's delivery address, or add an address to the address book.

One form for both (``address_purpose`` is set from the opening intent): who the customer
is (order number + e-mail/phone for a change; for a new address an order number or both
contact details, unless verified earlier in the chat), then the address as free text in one
message, parsed into fields, read back and saved only after a "yes".
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.address_save import proof_identity, purpose, verified_customer_id
from actions.crm import call_service
from actions.language import conversation_language
from actions.order_flow import (
    ESCAPE_INTENTS,
    OrderFormValidation,
    Outcome,
    is_requested,
    latest_text,
    locked_response,
    slot_text,
    yes_or_no,
)
from actions.order_identity import (
    find_identity,
    find_order_number,
    identity_of,
    latest_intent,
    log_failure,
)
from crm_backend import errors
from crm_backend.services import shipping
from crm_backend.services.addresses import AddressError, address_from_dict, parse_address
from crm_backend.services.delivery_policy import region_for_country


class ValidateShippingAddressForm(OrderFormValidation):
    def name(self) -> Text:
        return "validate_shipping_address_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if purpose(tracker) == "change":
            return ["order_number", "identity", "shipping_address", "address_confirmed"]
        if verified_customer_id(tracker) is not None:
            return ["shipping_address", "address_confirmed"]
        return ["identity", "address_proof", "shipping_address", "address_confirmed"]

    def needs_lookup(self, tracker: Tracker) -> bool:
        context = tracker.get_slot("address_context")
        current = slot_text(tracker.get_slot("order_number"))
        return purpose(tracker) == "change" and not (
            isinstance(context, dict) and context.get("order_number") == current
        )

    async def on_order_identified(
        self, order_number: str, identity: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Outcome:
        language = conversation_language(tracker)
        try:
            who = identity_of(identity)
            view = await call_service(
                lambda uow: shipping.get_shipping_details(uow, order_number, who)
            )
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return Outcome({"order_number": None, "identity": None})
        except Exception:  # noqa: BLE001
            log_failure("shipping details look-up", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return Outcome(stop=True)
        if not view.changeable:
            dispatcher.utter_message(
                response=locked_response(view.status), order_number=order_number
            )
            return Outcome(stop=True)
        if view.shipping_method == "click_and_collect":
            dispatcher.utter_message(
                response="utter_order_click_and_collect", order_number=order_number
            )
            return Outcome(stop=True)
        if view.address is not None:
            dispatcher.utter_message(
                response="utter_current_address",
                order_number=order_number,
                address="\n".join(view.address.lines(language)),
            )
        context = {
            "order_number": order_number,
            "country": view.address.country if view.address else None,
            "region": view.region,
        }
        return Outcome({"address_context": context})

    def validate_identity(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        result = super().validate_identity(slot_value, dispatcher, tracker, domain)
        if (
            result["identity"]
            and purpose(tracker) == "add"
            and not tracker.get_slot("address_proof")
        ):
            result["address_context"] = {"identity": result["identity"]}
        return result

    async def extract_address_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not is_requested(tracker, "address_proof"):
            return {}
        text = latest_text(tracker)
        order_number = find_order_number(text)
        contact = find_identity(text)
        # a phone/e-mail in this message also lands in ``identity`` (entity mapping): keep
        # the one given first, remembered in address_context
        context = tracker.get_slot("address_context")
        first = context.get("identity") if isinstance(context, dict) else None
        identity = first or find_identity(slot_text(tracker.get_slot("identity"))) or ""
        kept = {"identity": identity} if identity else {}
        if order_number:
            return {"address_proof": f"order:{order_number}", **kept}
        if contact and ("@" in contact) != ("@" in identity):
            return {"address_proof": f"contact:{contact}", **kept}
        if latest_intent(tracker) in ESCAPE_INTENTS:
            return {}
        dispatcher.utter_message(response="utter_invalid_address_proof")
        return {"address_proof": None}

    async def validate_address_proof(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        if not isinstance(slot_value, str):
            return {"address_proof": None}
        try:
            who, order_number = proof_identity(tracker)
            await call_service(
                lambda uow: shipping.check_address_book_access(uow, who, order_number=order_number)
            )
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_address_account_not_found")
            return {"address_proof": None, "identity": None}
        except Exception:  # noqa: BLE001
            log_failure("address book access check", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return {"address_proof": None}
        return {"address_proof": slot_value}

    async def extract_shipping_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not is_requested(tracker, "shipping_address"):
            return {}
        if latest_intent(tracker) in ESCAPE_INTENTS and len(latest_text(tracker)) < 20:
            return {}
        context = tracker.get_slot("address_context")
        context = context if isinstance(context, dict) else {}
        try:
            address = parse_address(latest_text(tracker), context.get("country"))
        except AddressError as error:
            field = (
                error.field
                if error.field in ("line1", "city", "postcode", "country")
                else "address"
            )
            dispatcher.utter_message(response=f"utter_invalid_address_{field}")
            return {"shipping_address": None}
        region = context.get("region")
        if (
            purpose(tracker) == "change"
            and region
            and region_for_country(address.country) != region
        ):
            dispatcher.utter_message(response="utter_address_other_region")
            return {"shipping_address": None}
        return {"shipping_address": address.as_dict()}

    def validate_shipping_address(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        address = address_from_dict(slot_value)
        return {"shipping_address": address.as_dict() if address else None}

    async def extract_address_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not is_requested(tracker, "address_confirmed"):
            return {}
        answer = yes_or_no(tracker)
        if answer is None:
            if latest_intent(tracker) in ESCAPE_INTENTS:
                return {}
            dispatcher.utter_message(response="utter_please_yes_or_no")
            return {"address_confirmed": None}
        if not answer:
            dispatcher.utter_message(response="utter_address_retype")
            return {"address_confirmed": None, "shipping_address": None}
        return {"address_confirmed": "yes"}

    def validate_address_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return {"address_confirmed": "yes" if slot_value == "yes" else None}
