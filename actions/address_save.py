"""Shipping address flow, part 2: who is asking, reading the address back, saving it."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crm import call_service
from actions.language import conversation_language
from actions.order_flow import slot_text
from actions.order_identity import find_identity, identity_of, log_failure
from crm_backend import errors
from crm_backend.services import shipping
from crm_backend.services.access import Identity, parse_identity
from crm_backend.services.addresses import address_from_dict

ADDRESS_SLOTS = ("shipping_address", "address_confirmed", "address_proof", "address_context")


def verified_customer_id(tracker: Tracker) -> Optional[int]:
    """The customer verified earlier in this chat (accounts flow), if still valid."""
    try:
        from actions.account_common import verified_customer
    except ImportError:  # the accounts flows are optional for this one
        return None
    return verified_customer(tracker)


def purpose(tracker: Tracker) -> str:
    return "add" if tracker.get_slot("address_purpose") == "add" else "change"


def proof_identity(tracker: Tracker) -> tuple[Identity, Optional[str]]:
    """(identity, order number) proving the customer for a new address book entry."""
    customer_id = verified_customer_id(tracker)
    if customer_id is not None:
        return parse_identity(customer_id=customer_id), None
    identity = find_identity(slot_text(tracker.get_slot("identity"))) or ""
    proof = slot_text(tracker.get_slot("address_proof")) or ""
    if proof.startswith("order:"):
        return identity_of(identity), proof[len("order:") :]
    other = proof[len("contact:") :]
    email, phone = (identity, other) if "@" in identity else (other, identity)
    return parse_identity(email=email, phone=phone), None


class ActionAskAddressConfirmed(Action):
    """Reads the parsed address back and asks for a yes before saving it."""

    def name(self) -> Text:
        return "action_ask_address_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        address = address_from_dict(tracker.get_slot("shipping_address"))
        if address is None:
            dispatcher.utter_message(response="utter_ask_shipping_address")
            return [SlotSet("shipping_address", None)]
        lines = "\n".join(address.lines(conversation_language(tracker)))
        dispatcher.utter_message(response="utter_ask_address_confirmed", address=lines)
        return []


class ActionSaveShippingAddress(Action):
    """After the form: save the confirmed address (order or address book) and report."""

    def name(self) -> Text:
        return "action_save_shipping_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reset: List[EventType] = [
            SlotSet(s, None) for s in ADDRESS_SLOTS + ("order_number", "address_purpose")
        ]
        address = address_from_dict(tracker.get_slot("shipping_address"))
        if tracker.get_slot("address_confirmed") != "yes" or address is None:
            return reset  # refused or stopped earlier; the customer has been told
        language = conversation_language(tracker)
        lines = "\n".join(address.lines(language))
        order_number = slot_text(tracker.get_slot("order_number")) or ""
        try:
            if purpose(tracker) == "change":
                who = identity_of(tracker.get_slot("identity"))
                view = await call_service(
                    lambda uow: shipping.change_shipping_address(uow, order_number, who, address)
                )
                key = "utter_address_changed" if view.changed else "utter_address_unchanged"
                dispatcher.utter_message(response=key, order_number=order_number, address=lines)
                return reset
            who, proof_order = proof_identity(tracker)
            entry = await call_service(
                lambda uow: shipping.set_up_shipping_address(
                    uow, who, address, order_number=proof_order
                )
            )
        except shipping.RegionChange:
            dispatcher.utter_message(response="utter_address_other_region")
        except shipping.AddressBookFull:
            dispatcher.utter_message(response="utter_address_book_full", max=shipping.MAX_ADDRESSES)
        except errors.InvalidState:
            dispatcher.utter_message(
                response="utter_change_no_longer_possible", order_number=order_number
            )
        except errors.OrderNotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_address_account_not_found")
        except Exception:  # noqa: BLE001
            log_failure("saving an address", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
        else:
            if entry.already_saved:
                dispatcher.utter_message(response="utter_address_already_saved", address=lines)
            else:
                key = "utter_address_saved_default" if entry.is_default else "utter_address_saved"
                dispatcher.utter_message(response=key, address=lines)
        return reset
