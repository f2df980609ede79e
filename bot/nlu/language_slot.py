"""Fill the ``language`` slot inside the Rasa process instead of over HTTP.

The slot's custom mapping (``action: action_detect_language`` in domain.yml) only copies
``parse_data["language"]`` (set by :class:`bot.nlu.language_detector.LanguageDetector`)
into the slot. Run by Rasa's ``action_extract_slots`` as a remote action, that cost an
action-server round trip on every message: the whole tracker serialised to JSON, a new
HTTP connection, the response validated, and the action server's own work (see
docs/scale.md, "Where the time goes").

:func:`install` makes ``ActionExtractSlots`` answer that one mapping action in-process with
:func:`language_slot_events`, the same decision ``actions/language.py`` makes on the
action server (:func:`bot.nlu.language.language_slot_update`): same events, at the same
point of the turn (also while the conversation is paused for an agent), so conditional
response variations and switching languages mid-conversation behave exactly as before.
``action_check_escalation`` is answered in-process too unless the message needs the CRM
(:mod:`bot.nlu.escalation_slot`). Every other custom slot mapping still goes to the
action server, and so do these two in a process where the patch is not installed. The
``LanguageDetector`` installs it when it is loaded, i.e. in every process that serves a
model producing ``language``.
"""

from __future__ import annotations

from typing import Any, Callable, Coroutine, Dict, List, Optional

from rasa.core.actions.action import ActionExtractSlots
from rasa.shared.core.events import Event, SlotSet

from bot.nlu.escalation_slot import MAPPING_ACTION as ESCALATION_ACTION
from bot.nlu.escalation_slot import escalation_slot_events
from bot.nlu.language import LANGUAGE_SLOT, language_slot_update
from bot.patching import patch_once

MAPPING_ACTION = "action_detect_language"
_MARK = "_shop_language_in_process"


def language_slot_events(tracker: Any) -> List[Event]:
    """``SlotSet(language, …)`` when the latest message's language differs, else nothing."""
    message = tracker.latest_message
    detected = message.parse_data.get(LANGUAGE_SLOT) if message is not None else None
    value = language_slot_update(detected, tracker.get_slot(LANGUAGE_SLOT))
    return [SlotSet(LANGUAGE_SLOT, value)] if value is not None else []


# custom slot-mapping actions answered in this process; a None answer means "ask the
# action server after all"
IN_PROCESS: Dict[str, Callable[[Any], Optional[List[Event]]]] = {
    MAPPING_ACTION: language_slot_events,
    ESCALATION_ACTION: escalation_slot_events,
}


def wrap(original: Callable[..., Coroutine[Any, Any, List[Event]]]) -> Callable[..., Any]:
    """``ActionExtractSlots._run_custom_action`` that answers :data:`IN_PROCESS` itself."""

    async def _run_custom_action(
        self: ActionExtractSlots,
        custom_action: str,
        output_channel: Any,
        nlg: Any,
        tracker: Any,
        domain: Any,
    ) -> List[Event]:
        answer = IN_PROCESS.get(custom_action)
        events = answer(tracker) if answer is not None else None
        if events is not None:
            return events
        return await original(self, custom_action, output_channel, nlg, tracker, domain)

    return _run_custom_action


def install() -> None:
    """Patch ``ActionExtractSlots`` once per process."""
    patch_once(ActionExtractSlots, "_run_custom_action", _MARK, wrap)
