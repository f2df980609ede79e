"""Change an order's items: pick an item (buttons), give the new quantity (0 removes it)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.crm import call_service
from actions.formatting import format_money
from actions.language import conversation_language
from actions.order_change_parsing import lines_of, name_of, parse_quantity, pick_item
from actions.order_flow import (
    ESCAPE_INTENTS,
    OrderFormValidation,
    Outcome,
    is_requested,
    latest_text,
    locked_response,
    slot_text,
)
from actions.order_identity import identity_of, latest_intent, log_failure
from crm_backend import errors
from crm_backend.services import order_items as items_service
from crm_backend.services.order_items import MAX_QUANTITY, OrderItemsView


class ValidateChangeOrderForm(OrderFormValidation):
    def name(self) -> Text:
        return "validate_change_order_form"

    def needs_lookup(self, tracker: Tracker) -> bool:
        lines = tracker.get_slot("order_items")
        return not (isinstance(lines, list) and lines)

    async def on_order_identified(
        self, order_number: str, identity: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Outcome:
        try:
            who = identity_of(identity)
            view: OrderItemsView = await call_service(
                lambda uow: items_service.get_order_items(uow, order_number, who)
            )
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return Outcome({"order_number": None, "identity": None})
        except Exception:  # noqa: BLE001
            log_failure("order items look-up", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return Outcome(stop=True)
        if not view.changeable:
            dispatcher.utter_message(
                response=locked_response(view.status), order_number=order_number
            )
            return Outcome(stop=True)
        lines = [
            {
                "sku": line.sku,
                "name_en": line.name_en,
                "name_zh": line.name_zh,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in view.lines
        ]
        slots: Dict[str, Any] = {"order_items": lines}
        if len(lines) == 1:
            slots["change_item"] = lines[0]["sku"]  # nothing to choose
        return Outcome(slots)

    async def extract_change_item(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not is_requested(tracker, "change_item"):
            return {}
        sku = pick_item(latest_text(tracker), lines_of(tracker))
        if sku is None:
            if latest_intent(tracker) in ESCAPE_INTENTS:
                return {}
            dispatcher.utter_message(response="utter_change_item_unknown")
        return {"change_item": sku}

    def validate_change_item(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        known = {str(line["sku"]) for line in lines_of(tracker)}
        return {"change_item": slot_value if slot_value in known else None}

    async def extract_change_quantity(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not is_requested(tracker, "change_quantity"):
            return {}
        quantity = parse_quantity(latest_text(tracker))
        if quantity is None and latest_intent(tracker) in ESCAPE_INTENTS:
            return {}
        return {"change_quantity": quantity if quantity is not None else -1}

    async def validate_change_quantity(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        language = conversation_language(tracker)
        sku = slot_text(tracker.get_slot("change_item"))
        line = next((x for x in lines_of(tracker) if x["sku"] == sku), None)
        if line is None:
            return {"change_quantity": None, "change_item": None}
        if not isinstance(slot_value, int) or not 0 <= slot_value <= MAX_QUANTITY:
            dispatcher.utter_message(response="utter_change_quantity_invalid", max=MAX_QUANTITY)
            return {"change_quantity": None}
        if slot_value == line["quantity"]:
            dispatcher.utter_message(response="utter_change_quantity_same", quantity=slot_value)
            return {"change_quantity": None}
        try:
            who = identity_of(tracker.get_slot("identity"))
            order_number = str(tracker.get_slot("order_number"))
            await call_service(
                lambda uow: items_service.change_order_items(
                    uow, order_number, who, {line["sku"]: slot_value}, dry_run=True
                )
            )
        except items_service.InsufficientStock as short:
            dispatcher.utter_message(
                response="utter_change_out_of_stock",
                item_name=name_of(line, language),
                available=short.available,
                max_quantity=int(line["quantity"]) + short.available,
            )
            return {"change_quantity": None}
        except items_service.LastItem:
            dispatcher.utter_message(response="utter_change_last_item")
            return {"change_quantity": None}
        except Exception:  # noqa: BLE001 - the final action reports what really happens
            log_failure("item change check", tracker)
        return {"change_quantity": slot_value}


class ActionAskChangeItem(Action):
    """Asks which item to change, with one button per order line."""

    def name(self) -> Text:
        return "action_ask_change_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        lines = lines_of(tracker)
        listing = "\n".join(
            f"{i}. {line['quantity']} × {name_of(line, language)}"
            for i, line in enumerate(lines, 1)
        )
        buttons = [
            {
                "title": f"{line['quantity']} × {name_of(line, language)}"[:80],
                "payload": str(line["sku"]),
            }
            for line in lines
        ]
        dispatcher.utter_message(
            response="utter_ask_change_item",
            order_number=tracker.get_slot("order_number"),
            items=listing,
            buttons=buttons,
        )
        return []


class ActionAskChangeQuantity(Action):
    """Asks for the new quantity of the chosen item."""

    def name(self) -> Text:
        return "action_ask_change_quantity"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        sku = tracker.get_slot("change_item")
        line = next((x for x in lines_of(tracker) if x["sku"] == sku), None)
        if line is None:
            dispatcher.utter_message(response="utter_technical_problem")
            return []
        dispatcher.utter_message(
            response="utter_ask_change_quantity",
            item_name=name_of(line, language),
            quantity=line["quantity"],
        )
        return []


class ActionChangeOrder(Action):
    """After the form: apply the change and report the new total and what is owed/refunded."""

    def name(self) -> Text:
        return "action_change_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reset: List[EventType] = [
            SlotSet(slot, None)
            for slot in ("order_items", "change_item", "change_quantity", "order_number")
        ]
        language = conversation_language(tracker)
        sku = slot_text(tracker.get_slot("change_item"))
        quantity = tracker.get_slot("change_quantity")
        order_number = slot_text(tracker.get_slot("order_number"))
        line = next((x for x in lines_of(tracker) if x["sku"] == sku), None)
        if line is None or not isinstance(quantity, int) or not order_number:
            return reset  # refused or stopped earlier; the customer has been told
        money = lambda amount: format_money(amount, "GBP", language)  # noqa: E731
        try:
            who = identity_of(tracker.get_slot("identity"))
            result = await call_service(
                lambda uow: items_service.change_order_items(
                    uow, order_number, who, {line["sku"]: quantity}
                )
            )
        except items_service.InsufficientStock as short:
            dispatcher.utter_message(
                response="utter_change_out_of_stock",
                item_name=name_of(line, language),
                available=short.available,
                max_quantity=int(line["quantity"]) + short.available,
            )
            return reset
        except items_service.LastItem:
            dispatcher.utter_message(response="utter_change_last_item")
            return reset
        except errors.InvalidState:
            dispatcher.utter_message(
                response="utter_change_no_longer_possible", order_number=order_number
            )
            return reset
        except (errors.NotFound, errors.ValidationError):
            dispatcher.utter_message(response="utter_order_not_found", order_number=order_number)
            return reset
        except Exception:  # noqa: BLE001
            log_failure("item change", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return reset
        values = {
            "order_number": order_number,
            "item_name": name_of(line, language),
            "quantity": quantity,
            "total": money(result.order.total),
        }
        if not result.applied:
            dispatcher.utter_message(response="utter_change_nothing", **values)
            return reset
        key = "utter_change_done_removed" if quantity == 0 else "utter_change_done"
        dispatcher.utter_message(response=key, **values)
        if result.order.status == "paid" and result.balance < 0:
            dispatcher.utter_message(
                response="utter_change_refund_due", amount=money(-result.balance)
            )
        elif result.order.status == "paid" and result.balance > 0:
            dispatcher.utter_message(
                response="utter_change_payment_due", amount=money(result.balance)
            )
        return reset
