"""The return form's questions: which item (one button per returnable item) and why.

``match_item`` maps the customer's answer (a button's SKU, a position, part of a product
name in English or Chinese, or "all") to what will be returned.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.aftersales_common import requested_slot
from actions.crm import call_service
from actions.language import conversation_language
from actions.order_identity import identity_of, latest_text, log_failure
from crm_backend.services import returns as return_service
from crm_backend.services import returns_policy as policy

ALL = "all"
_ALL_WORDS = {
    "all",
    "all items",
    "everything",
    "the lot",
    "全部",
    "全部商品",
    "所有",
    "都退",
    "全退",
}
_MAX_BUTTONS = 10


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def options_service(order_number: str, identity: str) -> Any:
    """The service call listing what the customer's order allows to return."""

    def service(uow: Any) -> return_service.ReturnOptions:
        return return_service.return_options(uow, order_number, identity_of(identity))

    return service


def match_item(text: object, options: return_service.ReturnOptions) -> Optional[str]:
    """The SKU (or ``all``) the customer chose: a button payload, a position, or a name."""
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        return None
    folded = _fold(text).strip(" .!。！")
    if folded in _ALL_WORDS:
        return ALL
    items = options.items
    for item in items:
        if folded == item.sku.lower():
            return item.sku
    if folded.isdigit() and 1 <= int(folded) <= len(items):
        return items[int(folded) - 1].sku
    hits = [
        item.sku
        for item in items
        if len(folded) >= 2
        and any(folded in _fold(name) or _fold(name) in folded for name in _names(item))
    ]
    return hits[0] if len(hits) == 1 else None


def _names(item: return_service.ReturnableItem) -> List[str]:
    return [name for name in (item.name_en, item.name_zh) if name]


class ActionAskReturnItem(Action):
    """Asks which item to return, with one button per item still returnable."""

    def name(self) -> Text:
        return "action_ask_return_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        order_number, identity = tracker.get_slot("order_number"), tracker.get_slot("identity")
        try:
            options = await call_service(options_service(str(order_number), str(identity)))
        except Exception:  # noqa: BLE001
            log_failure("listing returnable items", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return []
        buttons = [
            {
                "title": f"{item.name(language)} ×{item.returnable}",
                "payload": item.sku,
            }
            for item in options.items[:_MAX_BUTTONS]
        ]
        if len(options.items) > 1:
            all_title = "全部商品" if language == "zh" else "All items"
            buttons.append({"title": all_title, "payload": all_title})
        dispatcher.utter_message(
            response="utter_ask_return_item", order_number=options.order_number, buttons=buttons
        )
        return []


class ActionAskReturnReason(Action):
    """Asks why (buttons), or for the customer's own words after they picked "Other"."""

    def name(self) -> Text:
        return "action_ask_return_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        asked_before = requested_slot(tracker) == "return_reason"
        if asked_before and policy.is_other_choice(latest_text(tracker)):
            dispatcher.utter_message(response="utter_ask_return_reason_details")
        else:
            dispatcher.utter_message(response="utter_ask_return_reason")
        return []
