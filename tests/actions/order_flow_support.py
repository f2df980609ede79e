"""Helpers for the orders & delivery action tests: trackers, running validators, a CRM.

Validators run exactly as the action server runs them: the tracker carries the user
message and the candidate ``SlotSet`` events after it (what Rasa sends), and the real
``domain.yml`` supplies the forms and slots.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional, Tuple

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import crm
from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import OrderStatus
from crm_backend.settings import PROJECT_ROOT
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.crm_backend.services.shop_fixtures import NOW, WANG, Shop, make_shop

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
ALICE = "alice@example.com"


def tracker(
    slots: Optional[Dict[str, Any]] = None,
    *,
    text: str = "",
    intent: str = "inform",
    entities: Iterable[Dict[str, Any]] = (),
    new_slots: Optional[Dict[str, Any]] = None,
    requested: Optional[str] = None,
    active_loop: Optional[str] = None,
    history: Iterable[Dict[str, Any]] = (),
    language: str = "en",
) -> Tracker:
    """A tracker whose latest user message is ``text``/``intent``; ``new_slots`` are the
    values Rasa extracted from it (to be validated)."""
    new_slots = dict(new_slots or {})
    parse = {"text": text, "intent": {"name": intent}, "entities": list(entities)}
    events = list(history) + [{"event": "user", "text": text, "parse_data": parse}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in new_slots.items()]
    all_slots = {"language": language, **(slots or {}), **new_slots, "requested_slot": requested}
    return Tracker(
        sender_id="test-conversation",
        slots=all_slots,
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, track: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, DOMAIN))
    return dispatcher, events


def slots_of(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slot values the events set (the last one wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("response") for m in dispatcher.messages]


@pytest.fixture
def shop(uow_factory, session_factory, monkeypatch) -> Shop:
    """A small CRM (see shop_fixtures) the actions use; emptied after each test.

    Orders: A1003 pending (2 lines), A1004 paid 2 h ago, A1008 paid 3 days ago (one line,
    fee applies), A1001 shipped, A1002 Wang Fang's, A1009 click and collect.
    """
    monkeypatch.setattr(crm, "session_factory", lambda: session_factory)
    shop = make_shop(uow_factory)
    shop.add_order("A1003", OrderStatus.PENDING, [("85123A", 2), ("85099B", 1)])
    shop.add_order("A1004", OrderStatus.PAID, [("85099B", 4)], paid_at=NOW - timedelta(hours=2))
    shop.add_order("A1008", OrderStatus.PAID, [("22605", 1)], paid_at=NOW - timedelta(days=3))
    shop.add_order("A1001", OrderStatus.SHIPPED, [("22969", 1)], paid_at=NOW - timedelta(days=2))
    shop.add_order("A1002", OrderStatus.PAID, [("22969", 3)], customer=WANG, paid_at=NOW)
    shop.add_order(
        "A1009", OrderStatus.PAID, [("22969", 1)], paid_at=NOW, method="click_and_collect"
    )
    return shop


@pytest.fixture
def seeded_crm(seeded_url: str, monkeypatch):
    """The read-only seeded demo CRM (catalogue searches, quotes)."""
    engine = make_engine(seeded_url)
    factory = make_session_factory(engine)
    monkeypatch.setattr(crm, "session_factory", lambda: factory)
    yield lambda: SqlAlchemyUnitOfWork(factory)
    engine.dispose()


@pytest.fixture
def broken_crm(monkeypatch):
    """A CRM that fails on every call (database down)."""

    def factory():
        raise RuntimeError("database is down")

    monkeypatch.setattr(crm, "session_factory", lambda: factory)
