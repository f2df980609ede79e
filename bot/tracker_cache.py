"""Rasa's SQL tracker store with a validated in-process cache of recent trackers.

On every message Rasa 3.6's ``SQLTrackerStore`` loads all events of the conversation's
session with the ORM, decodes their JSON, replays them into a new tracker, and on save
counts the stored events again with the same ORM query to find the new ones. Under load
that was ~30 % of a Rasa process's CPU (cProfile, docs/scale.md).

:class:`CachingSQLTrackerStore` keeps the tracker it returned or saved last for each
recent conversation, with the *stamp* of the stored rows (their count and highest id).
``retrieve`` asks the database only for the current stamp (one indexed aggregate query):
if nothing was stored or deleted since, and the tracker has no events that were not
saved (a turn that failed half-way), the cached tracker is returned; otherwise the
conversation is loaded from the database as before. Every process checks the stamp, so
several Rasa replicas, GDPR erasure and any other writer are seen at the next message.
Between two messages of one conversation only that conversation's lock holder writes
(Rasa's lock store), so the stamp taken in the saving transaction is exact.

A tracker whose save started a new session is dropped from the cache: the next
``retrieve`` loads just the new session, as Rasa does.

On SQLite (embedded profile) the store also keeps its connections open (SQLAlchemy 1.4
opens and closes one per session for a database file) and uses write-ahead logging with
``synchronous=NORMAL``: a commit no longer waits for an fsync (which blocked the event
loop ~1 ms per save); a crash of the process loses nothing, a power cut can lose the
last commits. Together ~14 % of the Rasa process's time under load (py-spy).
"""

from __future__ import annotations

import collections
import itertools
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, OrderedDict, Text, Tuple

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.resilient import PingingSQLTrackerStore

DEFAULT_SIZE = 1000
Stamp = Tuple[int, Optional[int]]


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    stamp: Stamp
    stored: int  # len(tracker.events) when it matched the database


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CachingSQLTrackerStore(PingingSQLTrackerStore):
    """``PingingSQLTrackerStore`` that skips reloading unchanged conversations."""

    def __init__(self, *args: Any, cache_size: int = DEFAULT_SIZE, **kwargs: Any) -> None:
        """``cache_size``: conversations kept (``TRACKER_CACHE_SIZE`` through the
        endpoints file, ``bot/endpoints.py``); 0 turns the cache off."""
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a file database's connection per session;
            # in WAL mode closing the last one also checkpoints the log. Keep a few open.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=QueuePool,
                pool_size=2,
                max_overflow=6,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
        table = self.SQLEvent.__table__
        self._stamp_query = sa.select(sa.func.count(), sa.func.max(table.c.id)).where(
            table.c.sender_id == sa.bindparam("sender_id")
        )
        self._size = max(0, int(cache_size))
        self._cache: OrderedDict[Text, _Entry] = collections.OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        # trackers are built with the domain's slots: a new model starts an empty cache
        self._domain = domain or Domain.empty()
        if hasattr(self, "_cache"):
            self._cache.clear()

    def _stamp(self, connection: Connection | Session, sender_id: Text) -> Stamp:
        count, highest = connection.execute(self._stamp_query, {"sender_id": sender_id}).one()
        return int(count), highest

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        if not self._size:
            return await super().retrieve(sender_id)
        with self.engine.connect() as connection:
            stamp = self._stamp(connection, sender_id)
        entry = self._cache.get(sender_id)
        if entry is not None:
            if entry.stamp == stamp and len(entry.tracker.events) == entry.stored:
                self._cache.move_to_end(sender_id)
                self.hits += 1
                return entry.tracker
            del self._cache[sender_id]
        self.misses += 1
        # the stamp was taken first: rows stored meanwhile make it stale (a miss), never
        # a tracker older than its stamp
        tracker = await super().retrieve(sender_id)
        if tracker is not None and tracker.events:
            self._remember(sender_id, _Entry(tracker, stamp, len(tracker.events)))
        return tracker

    def _remember(self, sender_id: Text, entry: _Entry) -> None:
        self._cache[sender_id] = entry
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        entry = self._cache.get(tracker.sender_id)
        if entry is not None and entry.tracker is tracker:
            # the cached tracker held exactly the stored events when it was last checked
            return itertools.islice(tracker.events, entry.stored, len(tracker.events))
        return super()._additional_events(session, tracker)

    def _before_commit(
        self, session: Session, tracker: DialogueStateTracker, events: List[Event]
    ) -> Optional[Stamp]:
        """The stamp the stored rows will have once committed, or None not to cache."""
        if not self._size or not tracker.events:
            return None
        if any(isinstance(event, SessionStarted) for event in events):
            return None  # the next retrieve loads only the new session
        return self._stamp(session, tracker.sender_id)  # sees this transaction's inserts

    def _after_commit(
        self, tracker: DialogueStateTracker, events: List[Event], note: Optional[Stamp]
    ) -> None:
        if note is None:
            self._cache.pop(tracker.sender_id, None)
        else:
            self._remember(tracker.sender_id, _Entry(tracker, note, len(tracker.events)))
