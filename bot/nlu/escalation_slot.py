"""Fill ``escalation_reason`` / ``offer_human`` inside the Rasa process when it can.

Both slots are custom mappings of ``action_check_escalation`` (``actions/handoff.py``),
which Rasa's ``action_extract_slots`` ran as a remote action on every message: the
tracker serialised, an HTTP round trip, the action server's work, the answer validated.
Its decision needs the CRM only when the message signals leaving (then a verified
customer's churn band matters); every other message is decided from the parse result
and the tracker alone, with the same pure functions of
:mod:`crm_backend.services.escalation` the action uses.

:func:`escalation_slot_events` returns those same ``SlotSet`` events, or ``None`` when
the message signals leaving, in which case the action server is asked as before.
Installed with the language mapping (``bot/nlu/language_slot.py``).
"""

from __future__ import annotations

from typing import Any, List, Optional

from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered

from crm_backend.services import escalation
from crm_backend.settings import get_settings

MAPPING_ACTION = "action_check_escalation"


def _message(tracker: Any) -> dict:
    """The latest message as the action server sees it (``Tracker.latest_message``)."""
    latest = tracker.latest_message
    if latest is None:
        return {}
    message = dict(latest.parse_data)
    message["entities"] = latest.entities
    return message


def _last_bot_response(tracker: Any) -> Optional[str]:
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            metadata = event.metadata or {}
            return metadata.get("utter_action") if isinstance(metadata, dict) else None
    return None


def escalation_slot_events(tracker: Any) -> Optional[List[Event]]:
    """``action_check_escalation``'s events, or None if it needs the CRM."""
    if tracker.is_paused():
        return []
    message = _message(tracker)
    reason = escalation.escalation_reason(
        message,
        threshold=get_settings().handoff_sentiment_threshold,
        answering_complaint=tracker.active_loop_name == escalation.COMPLAINT_FORM,
    )
    if reason is None and escalation.signals_leaving(message):
        return None  # a verified customer's churn band may make it an escalation
    intents = [e.intent_name for e in tracker.events if isinstance(e, UserUttered)]
    offer = escalation.repeated_fallback(intents, _last_bot_response(tracker))
    slots = {
        name: tracker.get_slot(name) for name in (escalation.REASON_SLOT, escalation.OFFER_SLOT)
    }
    changes = escalation.slot_changes(reason, offer, slots)
    return [SlotSet(name, value) for name, value in changes.items()]
