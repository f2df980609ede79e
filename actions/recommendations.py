"""Recommendations: "what should I buy?" and "you may also like" after a product search.

``action_recommend``: when the message names a product ("what goes with the cake stand?"),
products often bought with it; otherwise personal picks for the customer verified in this
conversation (``verified_customer_id``, see actions/account_common.py), else the shop's
best sellers.
Only a *verified* customer gets personal picks: they are derived from purchase history,
which an e-mail address typed into the chat does not prove to be one's own.

:func:`utter_also_like` is the helper other flows call after showing a product (e.g. the
product search): up to three products often bought with it, as buttons.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Collection, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.account_common import verified_customer
from actions.crm import call_service
from actions.formatting import format_money
from actions.language import conversation_language
from crm_backend import errors
from crm_backend.services.recommendations import (
    GoesWithView,
    ProductView,
    RecommendationsView,
    frequently_bought_with,
    goes_with,
    recommend_for_customer,
)

logger = logging.getLogger(__name__)

RECOMMENDATIONS = 5
ALSO_LIKE = 3


def product_lines(products: List[ProductView], language: str) -> str:
    return "\n".join(
        f"• {p.name(language)} — {format_money(p.price, 'GBP', language)}" for p in products
    )


def product_buttons(products: List[ProductView], language: str) -> List[Dict[str, str]]:
    """One button per product; a click starts an order of it (like the product search)."""
    return [
        {
            "title": f"{p.name(language)} · {format_money(p.price, 'GBP', language)}"[:80],
            "payload": "/place_order" + json.dumps({"product": p.sku}),
        }
        for p in products
    ]


async def _recommend(customer_id: Optional[int]) -> RecommendationsView:
    return await call_service(lambda uow: recommend_for_customer(uow, customer_id, RECOMMENDATIONS))


def _product_entity(tracker: Tracker) -> Optional[str]:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "product" and isinstance(entity.get("value"), str):
            return str(entity["value"])[:200]
    return None


async def _goes_with(dispatcher: CollectingDispatcher, query: str, language: str) -> bool:
    """Bought-together products of a named product; True if any were shown."""
    try:
        view: GoesWithView = await call_service(lambda uow: goes_with(uow, query, RECOMMENDATIONS))
    except errors.ValidationError:
        return False
    products = list(view.recommendations.products)
    if view.product is None or not products:
        return False
    dispatcher.utter_message(
        response="utter_recommendations_with_product",
        product=view.product.name(language),
        results=product_lines(products, language),
        buttons=product_buttons(products, language),
    )
    return True


class ActionRecommend(Action):
    """Answers ``ask_recommendation`` with up to five products as lines and buttons: what
    goes with a product the customer named, else personal picks or best sellers."""

    def name(self) -> Text:
        return "action_recommend"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = conversation_language(tracker)
        customer_id = verified_customer(tracker)
        query = _product_entity(tracker)
        try:
            if query and await _goes_with(dispatcher, query, language):
                return []
            try:
                view = await _recommend(customer_id)
            except (errors.NotFound, errors.ValidationError):  # e.g. the account was deleted
                view = await _recommend(None)
        except Exception:  # noqa: BLE001 - the customer gets an apology, we get the log
            logger.exception("recommendations failed in conversation %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_technical_problem")
            return []
        products = list(view.products)
        if not products:
            dispatcher.utter_message(response="utter_recommendations_none")
            return []
        response = (
            "utter_recommendations_personal"
            if view.personalised
            else "utter_recommendations_popular"
        )
        dispatcher.utter_message(
            response=response,
            results=product_lines(products, language),
            buttons=product_buttons(products, language),
        )
        return []


async def utter_also_like(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    sku: str,
    n: int = ALSO_LIKE,
    exclude: Collection[str] = (),
) -> bool:
    """Show "you may also like" for product ``sku`` (without the products in ``exclude``,
    e.g. those already on screen); True if anything was shown.

    Never raises: the suggestion is an extra, so failures are only logged.
    """
    language = conversation_language(tracker)
    skip = {code.upper() for code in exclude}
    wanted = min(n + len(skip), 20)
    try:
        view = await call_service(lambda uow: frequently_bought_with(uow, sku, wanted))
    except (errors.NotFound, errors.ValidationError):
        return False
    except Exception:  # noqa: BLE001 - an optional extra must not break the caller's flow
        logger.exception("'also like' failed in conversation %s", tracker.sender_id)
        return False
    products = [p for p in view.products if p.sku.upper() not in skip][:n]
    if not products:
        return False
    dispatcher.utter_message(
        response="utter_also_like",
        results=product_lines(products, language),
        buttons=product_buttons(products, language),
    )
    return True
