"""A conversation an agent holds stays paused across Rasa's session expiry."""

from __future__ import annotations

import asyncio

from rasa.core.actions.action import ActionSessionStart
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

import bot.channels.website  # noqa: F401 - installs the patch, as in the Rasa process
from bot.session_pause import keep_pause

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  language:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""
)


def tracker(*extra: object) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("I want a person"),
        SlotSet("language", "en"),
        ActionExecuted("action_handoff"),
        ConversationPaused(),
        *extra,
    ]
    return DialogueStateTracker.from_events("c1", events, DOMAIN.slots)


def start_new_session(t: DialogueStateTracker) -> DialogueStateTracker:
    events = asyncio.run(ActionSessionStart().run(None, None, t, DOMAIN))
    for event in events:
        t.update(event)
    return t


def test_a_held_conversation_is_still_paused_in_the_new_session() -> None:
    t = start_new_session(tracker())
    assert t.is_paused()
    assert t.get_slot("language") == "en"  # slots carried over as before
    assert t.latest_action_name == "action_listen"


def test_a_handed_back_conversation_starts_unpaused() -> None:
    assert not start_new_session(tracker(ConversationResumed())).is_paused()


def test_keep_pause_inserts_before_the_final_listen() -> None:
    events = [SessionStarted(), ActionExecuted("action_listen")]
    assert [type(e) for e in keep_pause(events, True)] == [
        SessionStarted, ConversationPaused, ActionExecuted,
    ]  # fmt: skip
    assert keep_pause(events, False) == events
