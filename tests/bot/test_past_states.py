"""bot/past_states.py gives exactly Rasa's states, event by event, for every story and rule
of the project and for conversations that undo, rewind and restart."""

from __future__ import annotations

import gc
from typing import Any, Dict, Iterable, List, Optional

import pytest
from rasa.core.training import load_data
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import past_states as incremental
from crm_backend.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def conversations(domain: Domain) -> List[List[Event]]:
    found = []
    for folder in ("data/stories", "data/rules", "tests/stories"):
        trackers = load_data(str(PROJECT_ROOT / folder), domain, augmentation_factor=0)
        found.extend(list(tracker.events) for tracker in trackers)
    assert len(found) > 50
    return found


def _argument_sets(domain: Domain) -> List[Dict[str, Any]]:
    rule_only: Dict[str, Any] = {
        "slots": [slot.name for slot in domain.slots][:4],
        "loops": list(domain.form_names)[:2],
    }
    return [
        {"omit_unset_slots": False, "ignore_rule_only_turns": False, "rule_only_data": None},
        {"omit_unset_slots": True, "ignore_rule_only_turns": False, "rule_only_data": None},
        {"omit_unset_slots": False, "ignore_rule_only_turns": True, "rule_only_data": rule_only},
        {"omit_unset_slots": True, "ignore_rule_only_turns": True, "rule_only_data": None},
    ]


def _check_live(domain: Domain, events: Iterable[Event]) -> int:
    """Feed the events one at a time into one tracker; compare after each."""
    tracker = DialogueStateTracker("live", domain.slots)
    arguments = _argument_sets(domain)
    checks = 0
    for event in events:
        tracker.update(event)
        for kwargs in arguments:
            expected = domain.states_for_tracker_history(tracker, **kwargs)
            assert incremental.past_states(tracker, domain, **kwargs) == expected
            checks += 1
    return checks


def test_every_story_and_rule_event_by_event(
    domain: Domain, conversations: List[List[Event]]
) -> None:
    assert sum(_check_live(domain, events) for events in conversations) > 1000


def _user(intent: str) -> UserUttered:
    return UserUttered(intent, {"name": intent, "confidence": 1.0})


def test_undo_rewind_restart_and_loops(domain: Domain) -> None:
    form = list(domain.form_names)[0]
    slot = domain.slots[0].name
    events: List[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        _user("greet"),
        ActionExecuted("utter_greet", hide_rule_turn=True),
        ActionExecuted("action_listen"),
        _user("track_order"),
        ActionExecuted(form),
        ActiveLoop(form),
        SlotSet(slot, "x"),
        ActionExecuted("action_listen"),
        _user("affirm"),
        ActionExecuted(form),  # a second loop execution: Rasa undoes back to the first
        ActionExecuted("action_listen"),
        _user("deny"),
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        _user("goodbye"),
        ActionExecuted("utter_goodbye"),
        ActionReverted(),
        ActiveLoop(None),
        ActionExecuted("action_listen"),
        Restarted(),
        ActionExecuted("action_listen"),
        _user("greet"),
    ]
    assert _check_live(domain, events) == len(events) * 4


def test_callers_cannot_change_the_cached_states(domain: Domain) -> None:
    tracker = DialogueStateTracker("edit", domain.slots)
    for event in (ActionExecuted("action_listen"), _user("greet")):
        tracker.update(event)
    first = incremental.past_states(tracker, domain)
    first[-1]["user"].clear()  # the featurizer edits the last state like this
    first[0]["prev_action"] = {}
    assert incremental.past_states(tracker, domain) == domain.states_for_tracker_history(tracker)


def test_replays_go_away_with_their_tracker(domain: Domain) -> None:
    tracker: Optional[DialogueStateTracker] = DialogueStateTracker("gone", domain.slots)
    assert tracker is not None
    tracker.update(ActionExecuted("action_listen"))
    incremental.past_states(tracker, domain)
    ident = id(tracker)
    assert ident in incremental._replays
    tracker = None
    gc.collect()
    assert ident not in incremental._replays


def test_install_routes_past_states_through_the_cache(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # restored after the test: other tests see Rasa's own method
    monkeypatch.setattr(DialogueStateTracker, "past_states", DialogueStateTracker.past_states)
    incremental.install()
    incremental.install()  # idempotent
    tracker = DialogueStateTracker("installed", domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(_user("greet"))
    assert tracker.past_states(domain) == domain.states_for_tracker_history(tracker)
    assert id(tracker) in incremental._replays
