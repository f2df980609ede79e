"""Full-text conversation search (``conversation_messages``) on SQLite and PostgreSQL:
every stored conversation is searched, not only the newest ones, a page at a time."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterator, List

import pytest

from crm_backend.analytics.tracker_events import EVENTS, TrackerEvents
from crm_backend.analytics.writer import AnalyticsWriter, Status, Sweeper
from crm_backend.errors import ValidationError
from crm_backend.models import Customer, Interaction
from crm_backend.services.conversation_search import (
    MAX_OFFSET,
    TEXT_PAGE,
    index_messages,
    search_text,
)
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import DatabaseFactory
from tests.crm_backend.analytics.events import T0, bot, user
from tests.crm_backend.analytics.test_writer import store

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def chat(minute: float, *texts: str) -> List[Dict[str, Any]]:
    """A user / bot exchange per text, starting ``minute`` minutes after T0."""
    events: List[Dict[str, Any]] = []
    for i, text in enumerate(texts):
        events.append(user(minute * 60 + 2 * i, "inform", text=text))
        events.append(bot(minute * 60 + 2 * i + 1, f"Noted: {i}"))
    return events


def record(make_uow: UowFactory, conversation_id: str, minute: int, customer: Any = None) -> None:
    with make_uow() as uow:
        uow.session.add(
            Interaction(
                conversation_id=conversation_id,
                customer_id=customer,
                started_at=START + timedelta(minutes=minute),
            )
        )
        uow.commit()


def test_a_conversation_older_than_the_newest_hundred_is_found(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        alice = Customer(name="Alice Old", email="old@example.com")
        uow.session.add(alice)
        uow.commit()
        alice_id = alice.id
    record(uow_factory, "conv-oldest", 0, alice_id)
    assert index_messages(uow_factory(), "conv-oldest", chat(0, "The teapot LID arrived cracked"))
    for n in range(1, 131):  # 130 newer conversations, none mentioning the teapot
        record(uow_factory, f"conv-{n:03d}", n)
        index_messages(uow_factory(), f"conv-{n:03d}", chat(n, "Where is my order?", "thanks"))
    page = search_text(uow_factory(), "teapot lid")
    assert [h.conversation_id for h in page.hits] == ["conv-oldest"]
    hit = page.hits[0]
    assert hit.customer_name == "Alice Old" and hit.sender == "user"
    assert "teapot LID arrived cracked" in hit.snippet and page.next_offset is None
    assert hit.started_at == START
    # all 130 newer ones match their own words, newest first, a page at a time
    first = search_text(uow_factory(), "WHERE IS MY")
    assert len(first.hits) == TEXT_PAGE and first.next_offset == TEXT_PAGE
    assert first.hits[0].conversation_id == "conv-130"
    seen = [h.conversation_id for h in first.hits]
    offset = first.next_offset
    while offset is not None:
        page = search_text(uow_factory(), "where is my", offset=offset)
        seen += [h.conversation_id for h in page.hits]
        offset = page.next_offset
    assert seen == [f"conv-{n:03d}" for n in range(130, 0, -1)]


def test_indexing_is_append_only_and_idempotent(uow_factory: UowFactory) -> None:
    events = chat(0, "hello")
    assert index_messages(uow_factory(), "conv-a", events) == 2  # user + bot
    assert index_messages(uow_factory(), "conv-a", events) == 0
    agent = bot(100, "Kim here, I have refunded the 花瓶")
    agent["metadata"] = {"agent_name": "Kim (Support)"}
    events = events + [{"event": "action", "timestamp": T0 + 99, "name": "x"}, agent]
    assert index_messages(uow_factory(), "conv-a", events) == 1
    page = search_text(uow_factory(), "花瓶")
    assert [(h.conversation_id, h.sender) for h in page.hits] == [("conv-a", "agent")]
    assert page.hits[0].started_at is None  # not recorded by analytics (yet)


def test_like_wildcards_are_literal_and_bad_pages_refused(uow_factory: UowFactory) -> None:
    index_messages(uow_factory(), "conv-pct", chat(0, "I want 100% of it back"))
    index_messages(uow_factory(), "conv-num", chat(1, "order 1000 is late"))
    assert [h.conversation_id for h in search_text(uow_factory(), "100%").hits] == ["conv-pct"]
    assert search_text(uow_factory(), "a_e").hits == ()  # "_" is not "any one character"
    assert search_text(uow_factory(), "%%").hits == ()
    long_text = "x" * 300 + " needle in the haystack " + "y" * 300
    index_messages(uow_factory(), "conv-long", chat(2, long_text))
    snippet = search_text(uow_factory(), "needle").hits[0].snippet
    assert "needle in the haystack" in snippet and snippet.startswith("…") and len(snippet) < 200
    for bad in ({"offset": -1}, {"offset": MAX_OFFSET + 1}, {"limit": 0}, {"limit": 51}):
        with pytest.raises(ValidationError):
            search_text(uow_factory(), "needle", **bad)
    with pytest.raises(ValidationError):
        search_text(uow_factory(), " x ")


@pytest.fixture
def tracker(database_factory: DatabaseFactory) -> Iterator[TrackerEvents]:
    url = database_factory.create(f"tracker_{uuid.uuid4().hex[:8]}")
    events = TrackerEvents(url)
    EVENTS.metadata.create_all(events.engine)  # what Rasa's SQLTrackerStore creates
    yield events
    events.dispose()


def test_the_analytics_writer_indexes_the_tracker_store(
    tracker: TrackerEvents, uow_factory: UowFactory
) -> None:
    store(tracker, "conv-w", chat(0, "My candle holder is chipped"))
    status = Status()
    assert Sweeper(AnalyticsWriter(tracker, uow_factory, status)).sweep() == 1
    assert status.get("messages_indexed") == 2
    store(tracker, "conv-w", chat(5, "and the box was wet"))
    # a restarted writer sweeps from the start again: only the new messages are added
    assert Sweeper(AnalyticsWriter(tracker, uow_factory, status)).sweep() == 1
    assert status.get("messages_indexed") == 4
    hits = search_text(uow_factory(), "BOX WAS WET").hits
    assert [h.conversation_id for h in hits] == ["conv-w"] and hits[0].started_at is not None
