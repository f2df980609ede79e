"""The conversation's language: filled each turn from the NLU parse result."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.nlu.language import (
    DEFAULT_LANGUAGE,
    LANGUAGE_SLOT,
    SUPPORTED_LANGUAGES,
    language_slot_update,
)


def conversation_language(tracker: Tracker) -> str:
    """The language the bot currently answers in."""
    value = tracker.get_slot(LANGUAGE_SLOT)
    return value if value in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


class ActionDetectLanguage(Action):
    """Custom slot mapping of ``language``: copy the language the NLU detected.

    ``bot.nlu.language_detector.LanguageDetector`` puts ``language`` into each parse
    result (text evidence first, then the widget's toggle). Messages without evidence
    (an order number, an e-mail, an emoji) keep the conversation's current language.

    Rasa processes that loaded the model answer this mapping in-process
    (``bot.nlu.language_slot``, same decision) and do not call the action server for it;
    this action serves any Rasa process without that patch.
    """

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        detected = (tracker.latest_message or {}).get(LANGUAGE_SLOT)
        value = language_slot_update(detected, tracker.get_slot(LANGUAGE_SLOT))
        return [SlotSet(LANGUAGE_SLOT, value)] if value is not None else []
