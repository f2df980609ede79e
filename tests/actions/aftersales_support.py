"""Helpers for the after-sales action tests: trackers as Rasa sends them, the real domain,
and pointing actions.crm at a seeded database (shared read-only, or a fresh writable one)."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import crm
from crm_backend.db import make_engine, make_session_factory
from crm_backend.seed import seed
from crm_backend.settings import PROJECT_ROOT


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    """domain.yml as the action server receives it (forms, slots, actions)."""
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as handle:
        loaded: Dict[str, Any] = yaml.safe_load(handle)
    return loaded


def tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    *,
    intent: str = "inform",
    new_slots: Optional[Dict[str, Any]] = None,
    requested: Optional[str] = None,
    loop: Optional[str] = None,
    language: str = "en",
    sender: str = "test-aftersales",
) -> Tracker:
    """A tracker after the user said ``text``; ``new_slots`` are the slot candidates the
    form extracted from it (what ``slots_to_validate`` returns)."""
    new_slots = new_slots or {}
    events: List[Dict[str, Any]] = [{"event": "user", "text": text}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in new_slots.items()]
    all_slots = {"language": language, "requested_slot": requested, **(slots or {}), **new_slots}
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, state: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(messages, events) of running ``action`` on ``state``."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, domain()))
    return dispatcher.messages, list(events)


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The last value each slot was set to by ``events``."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("response") or "" for m in messages]


def point_crm_at(url: str, monkeypatch: Any) -> Iterator[None]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    monkeypatch.setattr(crm, "session_factory", lambda: factory)
    yield
    engine.dispose()


def fresh_seeded_url(database_factory: Any, label: str) -> str:
    """A new migrated and seeded database the test may change."""
    url: str = database_factory.migrated(label)
    assert seed(url) is True
    return url
