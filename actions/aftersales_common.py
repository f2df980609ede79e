"""Shared pieces of the after-sales flows (returns, refunds, invoices, payments).

The slots they own and the action that clears them when a form is abandoned. The order
number / e-mail-or-phone validation and the message readers they use are in
``actions/order_identity.py``, shared with the other order forms.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Slots owned by the after-sales forms (order_number / identity are shared with others).
AFTERSALES_SLOTS = (
    "return_item",
    "return_reason",
    "refund_reference",
    "payment_issue_order",
    "payment_issue_description",
)
NO_ORDER = "none"  # payment_issue_order when the problem is not about one order


def requested_slot(tracker: Tracker) -> Optional[str]:
    value = tracker.get_slot("requested_slot")
    return value if isinstance(value, str) else None


class ActionResetAftersalesSlots(Action):
    """Forget the after-sales form answers (after a form was abandoned)."""

    def name(self) -> Text:
        return "action_reset_aftersales_slots"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return [SlotSet(slot, None) for slot in AFTERSALES_SLOTS if tracker.get_slot(slot)]
