"""bot/tracker_cache.py on SQLite and PostgreSQL: a cached tracker is returned only while
the database still holds exactly its events; every other change is read from the database."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any, Coroutine, List, Optional, Tuple, TypeVar

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.endpoints import TRACKER_STORE_CLASS, tracker_store
from bot.tracker_cache import CachingSQLTrackerStore
from tests.conftest import DatabaseFactory

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@pytest.fixture
def tracker_url(database_factory: DatabaseFactory) -> str:
    return database_factory.create(f"trackers_{secrets.token_hex(4)}")


def make_store(url: str, size: int = 100) -> Any:
    config = tracker_store(url, TRACKER_STORE_CLASS, size)
    assert config.pop("type") == TRACKER_STORE_CLASS and config["cache_size"] == size
    return CachingSQLTrackerStore(Domain.empty(), **config)


def opening(sender: str = "c1") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered("hi", {"name": "greet"}),
            ActionExecuted("utter_greet"),
            ActionExecuted("action_listen"),
        ],
    )


def turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "inform"}))
    tracker.update(ActionExecuted("utter_ok"))
    tracker.update(ActionExecuted("action_listen"))


def stored(store: Any, sender: str) -> List[str]:
    with store.engine.connect() as connection:
        table = store.SQLEvent.__table__
        rows = connection.execute(
            sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        )
        return [row[0] for row in rows]


def fresh(url: str, sender: str) -> Optional[Any]:
    """What an uncached store (Rasa's behaviour) retrieves."""
    return run(make_store(url, size=0).retrieve(sender))


def opened(url: str) -> Tuple[Any, DialogueStateTracker]:
    """A store holding one saved conversation, and that conversation as retrieved."""
    store = make_store(url)
    run(store.save(opening()))
    tracker = run(store.retrieve("c1"))
    assert tracker is not None
    return store, tracker


def as_dicts(events: Any) -> List[dict]:
    return [event.as_dict() for event in events]


def test_an_unchanged_conversation_comes_from_the_cache(
    tracker_url: str,
) -> None:
    store = make_store(tracker_url)
    run(store.save(opening()))  # a new session: not cached
    first = run(store.retrieve("c1"))
    assert first is not None and store.misses == 1
    turn(first, "one")
    run(store.save(first))
    again = run(store.retrieve("c1"))
    assert again is first and store.hits == 1
    expected = fresh(tracker_url, "c1")
    assert expected is not None
    assert as_dicts(again.events) == as_dicts(expected.events)
    assert len(stored(store, "c1")) == 6 + 3  # every event stored once


def test_events_stored_by_another_replica_are_read(
    tracker_url: str,
) -> None:
    mine, other = make_store(tracker_url), make_store(tracker_url)
    run(mine.save(opening()))
    tracker = run(mine.retrieve("c1"))
    assert tracker is not None
    theirs = run(other.retrieve("c1"))
    assert theirs is not None
    turn(theirs, "from the other replica")
    run(other.save(theirs))
    seen = run(mine.retrieve("c1"))
    assert seen is not tracker and seen is not None
    assert [e.text for e in seen.events if isinstance(e, UserUttered)] == [
        "hi",
        "from the other replica",
    ]


def test_events_never_saved_are_not_served(
    tracker_url: str,
) -> None:
    store, tracker = opened(tracker_url)
    turn(tracker, "lost")  # e.g. the turn failed before the save
    again = run(store.retrieve("c1"))
    assert again is not tracker and again is not None
    assert "lost" not in [e.text for e in again.events if isinstance(e, UserUttered)]


def test_a_deleted_conversation_is_gone(tracker_url: str) -> None:
    store = make_store(tracker_url)
    run(store.save(opening()))
    assert run(store.retrieve("c1")) is not None
    with store.engine.begin() as connection:  # e.g. GDPR erasure, another process
        table = store.SQLEvent.__table__
        connection.execute(table.delete().where(table.c.sender_id == "c1"))
    assert run(store.retrieve("c1")) is None


def test_a_new_session_is_loaded_like_rasa_does(
    tracker_url: str,
) -> None:
    store, tracker = opened(tracker_url)
    restart: List[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]
    for event in restart:
        tracker.update(event)
    run(store.save(tracker))
    again = run(store.retrieve("c1"))
    expected = fresh(tracker_url, "c1")
    assert again is not tracker and again is not None and expected is not None
    assert as_dicts(again.events) == as_dicts(expected.events)
    assert not [e for e in again.events if isinstance(e, UserUttered)]  # old session left out
    assert len(stored(store, "c1")) == 6 + 3


def test_the_cache_is_bounded(tracker_url: str) -> None:
    store = make_store(tracker_url, size=2)
    for sender in ("a", "b", "c"):
        run(store.save(opening(sender)))
        assert run(store.retrieve(sender)) is not None
    assert list(store._cache) == ["b", "c"]
    assert run(store.retrieve("a")) is not None and store.misses == 4


def test_a_new_domain_empties_the_cache(tracker_url: str) -> None:
    store = make_store(tracker_url)
    run(store.save(opening()))
    run(store.retrieve("c1"))
    store.domain = Domain.empty()
    assert not store._cache


def test_sqlite_connections_are_pooled_and_use_write_ahead_logging(
    tmp_path: Path,
) -> None:
    store = make_store(f"sqlite:///{tmp_path / 'trackers.sqlite3'}")
    assert isinstance(store.engine.pool, QueuePool)  # connections stay open between sessions
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
