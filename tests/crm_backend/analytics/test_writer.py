"""AnalyticsWriter + Sweeper over a real tracker-store table (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable, Dict, Iterator, List

import pytest

from crm_backend.analytics.tracker_events import EVENTS, TrackerEvents
from crm_backend.analytics.writer import BEHIND, AnalyticsWriter, Status, Sweeper
from crm_backend.services.conversation_analytics import UNCHANGED, WRITTEN
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import DatabaseFactory
from tests.crm_backend.analytics.events import T0, conversation, turn

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


@pytest.fixture
def tracker(database_factory: DatabaseFactory) -> Iterator[TrackerEvents]:
    url = database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}")
    events = TrackerEvents(url)
    EVENTS.metadata.create_all(events.engine)  # what Rasa's SQLTrackerStore creates
    yield events
    events.dispose()


def store(tracker: TrackerEvents, sender: str, events: List[Dict[str, Any]]) -> None:
    with tracker.engine.begin() as conn:
        for event in events:
            conn.execute(
                EVENTS.insert().values(
                    sender_id=sender,
                    type_name=event["event"],
                    timestamp=event["timestamp"],
                    data=json.dumps(event),
                )
            )


def turns(make_uow: UowFactory, sender: str) -> int:
    with make_uow() as uow:
        row = uow.interactions.get_by_conversation_id(sender)
        return -1 if row is None else int(row.turns)


def test_the_sweep_records_every_changed_conversation_once(
    tracker: TrackerEvents, uow_factory: UowFactory
) -> None:
    writer = AnalyticsWriter(tracker, uow_factory, Status())
    sweeper = Sweeper(writer)
    assert sweeper.sweep() == 0  # empty tracker store
    store(tracker, "a", conversation())
    store(tracker, "b", turn(10, "greet"))
    assert sweeper.sweep() == 2
    assert (turns(uow_factory, "a"), turns(uow_factory, "b")) == (5, 1)
    assert sweeper.sweep() == 0  # nothing new
    store(tracker, "b", turn(11, "thanks"))
    assert sweeper.sweep() == 1
    assert turns(uow_factory, "b") == 2
    # a restarted writer sweeps everything again: nothing is counted twice
    again = Sweeper(AnalyticsWriter(tracker, uow_factory, Status()))
    assert again.sweep() == 0
    assert (turns(uow_factory, "a"), turns(uow_factory, "b")) == (5, 2)


def test_redelivered_broker_events_never_double_count(
    tracker: TrackerEvents, uow_factory: UowFactory
) -> None:
    status = Status()
    writer = AnalyticsWriter(tracker, uow_factory, status)
    store(tracker, "a", conversation())
    newest = {"a": T0 + 5.04}
    assert writer.refresh(["a"], newest) == {"a": WRITTEN}
    assert writer.refresh(["a", "a"], newest) == {"a": UNCHANGED}
    assert turns(uow_factory, "a") == 5
    assert status.get("conversations_written") == 1


def test_an_event_not_yet_in_the_tracker_store_is_retried_not_recorded(
    tracker: TrackerEvents, uow_factory: UowFactory
) -> None:
    writer = AnalyticsWriter(tracker, uow_factory, Status())
    store(tracker, "a", turn(1, "greet"))
    assert writer.refresh(["a", "ghost"], {"a": T0 + 9}) == {"a": BEHIND, "ghost": BEHIND}
    assert turns(uow_factory, "a") == -1


def test_a_lagging_sweep_reports_what_the_broker_missed(
    tracker: TrackerEvents, uow_factory: UowFactory
) -> None:
    status = Status()
    sweeper = Sweeper(AnalyticsWriter(tracker, uow_factory, status), lag=True)
    store(tracker, "a", turn(1, "greet"))
    assert sweeper.sweep() == 0  # too fresh: the broker path may still be on it
    assert sweeper.sweep() == 1  # still not recorded one sweep later: missed
    assert status.get("caught_up") == 1 and turns(uow_factory, "a") == 1


def test_a_lagging_sweep_leaves_fresh_turns_to_the_consumer(
    tracker: TrackerEvents, uow_factory: UowFactory
) -> None:
    """The sweep reaches an old turn of a live conversation whose newest turn the
    consumer has not flushed yet: it records only up to its horizon, and it counts nothing
    as caught up once the consumer has written the newer state."""
    status = Status()
    writer = AnalyticsWriter(tracker, uow_factory, status)
    sweeper = Sweeper(writer, lag=True)
    store(tracker, "a", turn(1, "greet"))
    assert writer.refresh(["a"], {"a": T0 + 1}) == {"a": WRITTEN}  # the consumer
    assert sweeper.sweep() == 0  # horizon set after the first turn
    store(tracker, "a", turn(2, "track_order"))  # fresh: not flushed by the consumer yet
    assert sweeper.sweep() == 0 and status.get("caught_up") == 0
    assert turns(uow_factory, "a") == 1
    assert writer.refresh(["a"], {"a": T0 + 2}) == {"a": WRITTEN}  # the consumer again
    assert sweeper.sweep() == 0 and status.get("caught_up") == 0
    assert turns(uow_factory, "a") == 2


def test_status_is_saved_as_json(tmp_path: Any) -> None:
    status = Status(tmp_path / "analytics-status.json")
    status.add("caught_up", 2)
    status.save()
    saved = json.loads((tmp_path / "analytics-status.json").read_text())
    assert saved["caught_up"] == 2 and "updated" in saved


def test_the_tracker_reader_waits_for_rasa_to_create_its_table(
    database_factory: DatabaseFactory,
) -> None:
    events = TrackerEvents(database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}"))
    try:
        assert events.ready() is False
        writer = AnalyticsWriter(events, SqlAlchemyUnitOfWork, Status())  # type: ignore[arg-type]
        assert Sweeper(writer).sweep() == 0
        EVENTS.metadata.create_all(events.engine)
        assert events.ready() is True and events.max_id() == 0
    finally:
        events.dispose()
