"""Product search: "do you have candles?", "有没有蜡烛" -> up to 5 products, as lines and buttons.

``product_search_form`` has one slot, the query: the ``product`` entity (category buttons
send one) or the message itself when it names something searchable; otherwise the bot asks
what the customer is looking for. After the results: "customers also bought" for the top
product (:func:`actions.recommendations.utter_also_like`, silent when it has nothing).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.crm import call_service
from actions.formatting import format_money
from actions.language import conversation_language
from actions.order_flow import ESCAPE_INTENTS, is_requested, latest_entity, latest_text, slot_text
from actions.order_identity import latest_intent, log_failure
from actions.recommendations import utter_also_like
from crm_backend import errors
from crm_backend.services.catalogue import (
    CATEGORY_NAMES,
    SearchResult,
    query_concepts,
    search_products,
)

MAX_RESULTS = 5
MAX_QUERY = 200


def searchable(text: object) -> bool:
    return bool(query_concepts(text))


def category_buttons(language: str) -> List[Dict[str, str]]:
    """One button per catalogue category; each starts a search for it."""
    return [
        {
            "title": zh if language == "zh" else en,
            "payload": "/product_search" + json.dumps({"product": query}),
        }
        for en, zh, query in CATEGORY_NAMES.values()
    ]


class ValidateProductSearchForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_product_search_form"

    async def extract_product_query(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        entity = latest_entity(tracker, "product")
        if entity and searchable(entity):
            return {"product_query": entity[:MAX_QUERY]}
        text = latest_text(tracker)
        if not text.startswith("/") and searchable(text):
            return {"product_query": text[:MAX_QUERY]}
        if not is_requested(tracker, "product_query"):
            return {}
        if latest_intent(tracker) in ESCAPE_INTENTS:
            return {}
        dispatcher.utter_message(response="utter_product_query_unclear")
        return {"product_query": None}

    def validate_product_query(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return {"product_query": slot_value if searchable(slot_value) else None}


class ActionAskProductQuery(Action):
    """What are you looking for? (with the categories as buttons)"""

    def name(self) -> Text:
        return "action_ask_product_query"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        dispatcher.utter_message(
            response="utter_ask_product_query", buttons=category_buttons(language)
        )
        return []


class ActionProductSearch(Action):
    """Searches the catalogue and lists up to five products (in stock first)."""

    def name(self) -> Text:
        return "action_product_search"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        query = slot_text(tracker.get_slot("product_query"))
        done: List[EventType] = [SlotSet("product_query", None)]
        if query is None:
            return done  # the form was abandoned
        shown = " ".join(query.split())[:60]
        try:
            result: SearchResult = await call_service(
                lambda uow: search_products(uow, query, limit=MAX_RESULTS)
            )
        except errors.ValidationError:
            result = SearchResult((), ())
        except Exception:  # noqa: BLE001
            log_failure("product search", tracker)
            dispatcher.utter_message(response="utter_technical_problem")
            return done
        if result.concepts:  # "do you have any mugs?" -> "mug"
            shown = " ".join(concept.word for concept in result.concepts)[:60]
        if not result.products:
            dispatcher.utter_message(
                response="utter_product_no_results", query=shown, buttons=category_buttons(language)
            )
            return done
        in_stock = [p for p in result.products if p.in_stock]
        sold_out = [p for p in result.products if not p.in_stock]
        line = lambda p: f"• {p.name(language)} — {format_money(p.price, p.currency, language)}"  # noqa: E731
        buttons = [
            {
                "title": f"{p.name(language)} · {format_money(p.price, p.currency, language)}"[:80],
                "payload": "/place_order" + json.dumps({"product": p.sku}),
            }
            for p in in_stock
        ]
        if in_stock:
            dispatcher.utter_message(
                response="utter_product_results",
                query=shown,
                results="\n".join(line(p) for p in in_stock),
                buttons=buttons,
            )
        if sold_out:
            dispatcher.utter_message(
                response="utter_product_results_sold_out"
                if in_stock
                else "utter_product_only_sold_out",
                query=shown,
                results="\n".join(line(p) for p in sold_out),
            )
        # "customers also bought ..." for the top product, without those listed above;
        # silent when that leaves nothing
        shown_skus = [p.sku for p in result.products]
        await utter_also_like(dispatcher, tracker, shown_skus[0], exclude=shown_skus)
        return done
