"""The dialogue states of a live conversation, computed incrementally.

Before every prediction (~2.6 per turn) RulePolicy and MemoizationPolicy each ask the
tracker for its ``past_states``: Rasa 3.6 replays *every* event of the session into a new
tracker and derives a state at each action. The cost grows with the conversation and was
the largest single item of a Rasa process's CPU under load (~13 %, docs/scale.md).

Here each tracker keeps, per argument set, the replay it did last time: the applied events
it consumed, the replay tracker after them, the states so far and the loop variables of
``Domain.states_for_tracker_history``. When the tracker's applied events still start with
the consumed ones (the usual case: events were only appended), only the new events are
replayed; otherwise (an undo, a rewind, a restart) everything is replayed as before. The
loop body is Rasa's, step for step; ``tests/bot/test_past_states.py`` compares the result
with Rasa's own at every event of the project's stories and rules.

Callers get fresh dicts (two levels deep: the states' sub-states), so a policy that edits
its copy (the featurizer removes the last user text or intent) cannot change the cache.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.shared.core import constants
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patching import patch_once

_MARK = "_shop_incremental_past_states"
Key = Tuple[int, bool, bool, int]


@dataclass
class _Replay:
    domain: Domain
    rule_only_data: Optional[Dict[Text, Any]]
    tracker: DialogueStateTracker
    applied: List[Event] = field(default_factory=list)
    states: List[State] = field(default_factory=list)
    last_ml_action: Optional[Dict[Text, Any]] = None
    turn_was_hidden: bool = False


# id(tracker) -> (weak reference, its replays); trackers are unhashable (they define __eq__)
_replays: Dict[int, Tuple["weakref.ref[DialogueStateTracker]", Dict[Key, _Replay]]] = {}


def _replays_of(tracker: DialogueStateTracker) -> Dict[Key, _Replay]:
    ident = id(tracker)
    entry = _replays.get(ident)
    if entry is not None and entry[0]() is tracker:
        return entry[1]

    def forget(ref: "weakref.ref[DialogueStateTracker]") -> None:
        if _replays.get(ident, (None,))[0] is ref:
            del _replays[ident]

    replays: Dict[Key, _Replay] = {}
    _replays[ident] = (weakref.ref(tracker, forget), replays)
    return replays


def _step(
    replay: _Replay,
    states: List[State],
    hide_rule_turn: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
) -> None:
    """One iteration of ``Domain.states_for_tracker_history`` on ``replay.tracker``."""
    domain, tracker = replay.domain, replay.tracker
    if ignore_rule_only_turns:
        if not replay.turn_was_hidden:
            replay.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if (
            not tracker.followup_action
            and not tracker.latest_action_name == tracker.active_loop_name
        ):
            replay.turn_was_hidden = hide_rule_turn
        if replay.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, replay.rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if replay.last_ml_action:
            state[constants.PREVIOUS_ACTION] = replay.last_ml_action
    states.append(domain._clean_state(state))


def _is_prefix(done: List[Event], applied: List[Event]) -> bool:
    return len(done) <= len(applied) and all(
        a is b for a, b in zip(done, applied[: len(done)], strict=True)
    )


def past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """``DialogueStateTracker.past_states``, replaying only events not seen last time."""
    key = (id(domain), omit_unset_slots, ignore_rule_only_turns, id(rule_only_data))
    applied = tracker.applied_events()
    replays = _replays_of(tracker)
    replay = replays.get(key)
    if (
        replay is None
        or replay.domain is not domain
        or replay.rule_only_data is not rule_only_data
        or not _is_prefix(replay.applied, applied)
    ):
        replay = _Replay(domain, rule_only_data, tracker.init_copy())
        replays[key] = replay
    for event in applied[len(replay.applied) :]:
        if isinstance(event, ActionExecuted):
            _step(
                replay,
                replay.states,
                event.hide_rule_turn,
                omit_unset_slots,
                ignore_rule_only_turns,
            )
        replay.tracker.update(event)
        replay.applied.append(event)
    # the state after the last event: computed on copies, the replay stays at its boundary
    states = list(replay.states)
    saved = (replay.last_ml_action, replay.turn_was_hidden)
    _step(replay, states, False, omit_unset_slots, ignore_rule_only_turns)
    replay.last_ml_action, replay.turn_was_hidden = saved
    return [{name: dict(sub) for name, sub in state.items()} for state in states]


def install() -> None:
    """Make every tracker's ``past_states`` incremental (in the Rasa server process)."""

    def make(_original: Any) -> Any:
        def incremental(
            self: DialogueStateTracker,
            domain: Domain,
            omit_unset_slots: bool = False,
            ignore_rule_only_turns: bool = False,
            rule_only_data: Optional[Dict[Text, Any]] = None,
        ) -> List[State]:
            return past_states(
                self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
            )

        return incremental

    patch_once(DialogueStateTracker, "past_states", _MARK, make)
