"""A conversation an agent holds stays paused when Rasa starts a new session.

Rasa starts a new session when a customer writes after ``session_expiration_time`` (60 min,
domain.yml): ``SessionStarted`` resets the tracker, which *unpauses* it, so the bot would
answer over the agent who still holds the conversation (the ticket is open in the console).
:func:`install` makes Rasa's ``action_session_start`` (in this process, no action-server
round trip) pause the new session again when the old one was paused; the agent's hand-back
(``ConversationResumed``) or resolve still wakes the bot as before. The website channel
module installs it in every Rasa process.
"""

from __future__ import annotations

from typing import Any, Callable, Coroutine, List

from rasa.core.actions.action import ActionSessionStart
from rasa.shared.core.events import ActionExecuted, ConversationPaused, Event

from bot.patching import patch_once

_MARK = "_shop_keeps_pause"


def keep_pause(events: List[Event], was_paused: bool) -> List[Event]:
    """``events`` of a session start, re-pausing (before the final action_listen) if the
    previous session was paused."""
    if not was_paused:
        return events
    at = len(events) - 1 if events and isinstance(events[-1], ActionExecuted) else len(events)
    return [*events[:at], ConversationPaused(), *events[at:]]


def wrap(original: Callable[..., Coroutine[Any, Any, List[Event]]]) -> Callable[..., Any]:
    """``ActionSessionStart.run`` that keeps a held conversation paused."""

    async def run(
        self: ActionSessionStart, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> List[Event]:
        events = await original(self, output_channel, nlg, tracker, domain)
        return keep_pause(list(events), tracker.is_paused())

    return run


def install() -> None:
    """Patch ``ActionSessionStart.run`` once per process."""
    patch_once(ActionSessionStart, "run", _MARK, wrap)
