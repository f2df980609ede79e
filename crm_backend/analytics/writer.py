"""The analytics writer: tracker store -> ``interactions``, the same in both profiles.

:class:`AnalyticsWriter` recomputes the summary of the conversations it is told changed
(from Rasa's tracker store, the system of record) and records them through
:func:`crm_backend.services.conversation_analytics.record_conversation`. What tells it:

- embedded profile: :class:`Sweeper` alone, scanning the tracker store for new events
  every second (no broker: Rasa's tracker store on SQLite is read directly);
- scale profile: the RabbitMQ consumer (``crm_backend.analytics.consumer``) for every
  event Rasa publishes, plus a lagging :class:`Sweeper` that catches up whatever the
  broker lost (RabbitMQ down, events dropped) and *reports* it in :class:`Status`.

Counters go to the log and to ``VAR_DIR/analytics-status.json``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, Mapping, Optional

from crm_backend.analytics.summary import summarize
from crm_backend.analytics.tracker_events import TrackerEvents
from crm_backend.services.conversation_analytics import WRITTEN, record_conversation
from crm_backend.services.conversation_search import index_messages
from crm_backend.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
# a conversation's row is "current" when it reflects the tracker's newest event
BEHIND = "behind"


class Status:
    """Counters of the writer, readable by tests and operators."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = path
        self.counters: Dict[str, int] = {}
        self.started = time.time()
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counters[name] = self.counters.get(name, 0) + amount

    def get(self, name: str) -> int:
        return self.counters.get(name, 0)

    def snapshot(self) -> Dict[str, object]:
        with self._lock:
            return {"pid": os.getpid(), "updated": time.time(), **dict(self.counters)}

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.snapshot(), sort_keys=True))
        tmp.replace(self.path)


class AnalyticsWriter:
    """Recompute and record conversations from the tracker store."""

    def __init__(
        self,
        tracker: TrackerEvents,
        uow_factory: Callable[[], UnitOfWork],
        status: Optional[Status] = None,
    ) -> None:
        self.tracker = tracker
        self.uow_factory = uow_factory
        self.status = status or Status()

    def refresh(
        self,
        sender_ids: Iterable[str],
        newest: Optional[Mapping[str, float]] = None,
        max_id: Optional[int] = None,
    ) -> Dict[str, str]:
        """Record each conversation; ``newest[sender]`` is the timestamp of an event known
        to exist (from the broker): if the tracker does not hold it yet the conversation
        is reported ``behind`` and not recorded (the caller retries later). With ``max_id``
        only the events up to that tracker id count (a newer row is then left alone as
        ``stale``)."""
        newest = newest or {}
        results: Dict[str, str] = {}
        for sender, events in self.tracker.conversations(sender_ids, max_id).items():
            summary = summarize(sender, events)
            expected = newest.get(sender)
            if summary is None or (expected is not None and summary.last_timestamp < expected):
                results[sender] = BEHIND
                continue
            result = record_conversation(self.uow_factory(), summary)
            # the messages' text, for the console's conversation search
            self.status.add("messages_indexed", index_messages(self.uow_factory(), sender, events))
            self.status.add(f"conversations_{result.status}")
            results[sender] = result.status
        return results


class Sweeper:
    """Finds changed conversations by scanning the tracker store's ids past a cursor.

    With ``lag=True`` (next to a broker) a sweep only looks at events that were already
    stored one sweep earlier, so it does not race the consumer; anything it still has to
    write was missed by the broker path and is counted as ``caught_up`` and logged.
    """

    def __init__(self, writer: AnalyticsWriter, *, lag: bool = False) -> None:
        self.writer = writer
        self.lag = lag
        self.cursor = 0
        self._seen = 0

    def sweep(self) -> int:
        """One pass; returns the number of conversations written."""
        tracker = self.writer.tracker
        if not tracker.ready():
            return 0
        current = tracker.max_id()
        high = self._seen if self.lag else current
        self._seen = current
        if high <= self.cursor:
            return 0
        senders = tracker.senders_between(self.cursor, high)
        written = 0
        for start in range(0, len(senders), 100):
            batch = senders[start : start + 100]
            # capped at ``high``: events newer than that belong to the consumer for now;
            # reading them here would race it and count its work as caught up
            results = self.writer.refresh(batch, max_id=high)
            written += sum(1 for status in results.values() if status == WRITTEN)
        self.cursor = high
        if self.lag and written:
            self.writer.status.add("caught_up", written)
            logger.warning(
                "analytics: %d conversation(s) were behind the tracker store (events lost "
                "or delayed on the broker); caught up from the tracker store",
                written,
            )
        return written
