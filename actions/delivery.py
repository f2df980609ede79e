"""Delivery options and delivery periods for the customer's destination region.

``delivery_region_form`` has one slot, the region (``uk``, ``eu``, ``china``, ``world``):
taken from the question itself ("寄到德国要几天" -> eu), else remembered from earlier in the
chat, else asked with buttons. The answer comes from the policy table
(:mod:`crm_backend.services.delivery_policy`), never from text typed into a response.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.formatting import format_date, format_money
from actions.language import conversation_language
from actions.order_flow import ESCAPE_INTENTS, is_requested, latest_text
from actions.order_identity import latest_intent, log_failure
from crm_backend.services import delivery_policy
from crm_backend.services.countries import find_country
from crm_backend.services.shipping import DeliveryOptionView, delivery_options

DELIVERY_INTENTS = ("delivery_options", "delivery_period")
_EU = re.compile(
    r"(?<![a-z])(eu|e\.u\.|europe|european union|the continent)(?![a-z])|欧洲|欧盟", re.I
)
_WORLD = re.compile(
    r"(?<![a-z])(other( country| countries)?|elsewhere|rest of (the )?world|worldwide"
    r"|another country|international(ly)?|overseas)(?![a-z])|其他|其它|别的国家|海外|全球|世界各地",
    re.I,
)


def region_in_text(text: object) -> Optional[str]:
    """The delivery region a message names: a country or city, "EU"/"欧洲", "other"/"其他"."""
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text)[:500]
    country = find_country(text)
    if country is not None:
        return delivery_policy.region_for_country(country)
    if _EU.search(text):
        return delivery_policy.EU
    if _WORLD.search(text):
        return delivery_policy.WORLD
    return None


def delivery_topic(tracker: Tracker) -> str:
    """Which question the customer asked most recently: options or period."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in DELIVERY_INTENTS:
                return str(intent)
    return "delivery_options"


class ValidateDeliveryRegionForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_delivery_region_form"

    async def extract_delivery_region(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        region = region_in_text(latest_text(tracker))
        if region is not None:
            return {"delivery_region": region}
        if not is_requested(tracker, "delivery_region"):
            return {}  # the question named no place: a region from earlier still counts
        if latest_intent(tracker) in ESCAPE_INTENTS:
            return {}
        dispatcher.utter_message(response="utter_invalid_delivery_region")
        return {"delivery_region": None}

    def validate_delivery_region(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return {"delivery_region": slot_value if slot_value in delivery_policy.REGIONS else None}


def _days(view: DeliveryOptionView) -> str:
    return (
        str(view.min_days) if view.min_days == view.max_days else f"{view.min_days}–{view.max_days}"
    )


def delivery_values(region: str, language: str) -> Dict[str, Any]:
    """The numbers of the region's delivery answer, formatted for ``language``."""
    values: Dict[str, Any] = {}
    for view in delivery_options(region):
        prefix = {"click_and_collect": "collect"}.get(view.method, view.method)
        values[f"{prefix}_price"] = format_money(view.price, "GBP", language)
        values[f"{prefix}_days"] = _days(view)
        values[f"{prefix}_earliest"] = format_date(view.earliest, language)
        values[f"{prefix}_latest"] = format_date(view.latest, language)
        if view.free_over is not None:
            values[f"{prefix}_free_over"] = format_money(view.free_over, "GBP", language)
    return values


class ActionDeliveryInfo(Action):
    """Answers delivery_options / delivery_period for the region in ``delivery_region``."""

    def name(self) -> Text:
        return "action_delivery_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        region = tracker.get_slot("delivery_region")
        if region not in delivery_policy.REGIONS:
            return []  # the form was abandoned
        topic = "period" if delivery_topic(tracker) == "delivery_period" else "options"
        try:
            values = delivery_values(region, conversation_language(tracker))
        except Exception:  # noqa: BLE001
            log_failure("delivery answer", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return []
        dispatcher.utter_message(response=f"utter_delivery_{topic}_{region}", **values)
        return []
