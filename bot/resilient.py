"""Rasa's own tracker store and event broker, hardened for the scale profile.

Both are referenced by module path from the endpoints file (``bot/endpoints.py``).

:class:`PingingSQLTrackerStore` is Rasa's ``SQLTrackerStore`` with ``pool_pre_ping``:
Rasa 3.6 builds its engine without it, so after PostgreSQL drops the pooled connections
(restart, failover, ``pg_terminate_backend``) the next request fails; and Rasa wraps the
store in ``FailSafeTrackerStore``, which then silently carries on with an *empty
in-memory* tracker for that turn (the conversation's state is lost for it). With the
pre-ping a dead connection is replaced before it is used. It also publishes the events
it stores from the same diff, after the commit (Rasa re-reads the whole tracker for that).

:class:`BufferedPikaEventBroker` is Rasa's ``PikaEventBroker`` that never blocks or stops
the bot when RabbitMQ is unreachable. What Rasa 3.6 does on its own:

- at start-up ``PikaEventBroker.from_endpoint_config`` awaits ``connect()``: 20 attempts
  5 s apart (about 100 s) inside Sanic's ``before_server_start``, then raises
  ``ConnectionException`` and the Rasa server exits: no answers at all;
- while not connected (``_exchange is None``) ``publish`` drops events *silently*;
- once connected, a failed publish is kept in an unbounded in-memory deque and re-sent on
  reconnect (``connect_robust``); publishing runs in background tasks, so answers are
  not delayed.

Here the connection is made in the background (retrying forever, backing off to 10 s),
events published meanwhile are buffered (bounded: ``MAX_BUFFERED``; overflow drops the
oldest and counts it), flushed on connect, and every loss is logged with a running count.
The analytics writer catches up from the tracker store anyway (see
``crm_backend.analytics.writer.Sweeper``), so lost broker events never leave the
``interactions`` table wrong for long.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from asyncio import AbstractEventLoop
from typing import Any, Deque, Dict, List, Optional, Text

from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.fast_json import dumps

logger = logging.getLogger(__name__)
MAX_BUFFERED = 20_000
MAX_RETRY_SECONDS = 10.0


class PingingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose pool checks connections before using them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine: Engine = getattr(self, "engine")  # noqa: B009 - untyped in Rasa
        url = engine.url
        engine.dispose()
        from rasa.core.tracker_store import create_engine_kwargs
        from sqlalchemy import create_engine

        self.engine = create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``save``, publishing the events it stored *after* the commit.

        Rasa's ``stream_events`` first retrieves and rebuilds the whole stored tracker again
        just to diff it (a second read per message) and publishes before the commit; here
        the events counted by ``_additional_events`` are the diff, published once stored.
        """
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
            rows = []
            for event in events:
                data = event.as_dict()
                parse_data = data.get("parse_data") or {}
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": (parse_data.get("intent") or {}).get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": dumps(data),
                    }
                )
            if rows:  # one executemany, not an ORM object per event
                session.execute(self.SQLEvent.__table__.insert(), rows)
            note = self._before_commit(session, tracker, events)
            session.commit()
        self._after_commit(tracker, events, note)
        if self.event_broker is not None and events:
            await self._stream_new_events(self.event_broker, events, tracker.sender_id)

    def _before_commit(
        self, session: Session, tracker: DialogueStateTracker, events: List[Event]
    ) -> Any:
        """Hook: the new events are in ``session``, not yet committed. What it returns is
        handed to :meth:`_after_commit`."""
        return None

    def _after_commit(self, tracker: DialogueStateTracker, events: List[Event], note: Any) -> None:
        """Hook: the new events are stored; ``note`` is what ``_before_commit`` returned."""


class BufferedPikaEventBroker(PikaEventBroker):
    """``PikaEventBroker`` that connects in the background and buffers while away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("connection_attempts", 1)
        kwargs.setdefault("retry_delay_in_seconds", 1)
        super().__init__(*args, **kwargs)
        self._unpublished_events: Deque[Dict[Text, Any]] = collections.deque()
        self.dropped = 0
        self.buffered = 0
        self._connector: Optional[asyncio.Task] = None

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: Optional[EndpointConfig],
        event_loop: Optional[AbstractEventLoop] = None,
    ) -> Optional["BufferedPikaEventBroker"]:
        if broker_config is None:
            return None
        broker = cls(broker_config.url, **broker_config.kwargs, event_loop=event_loop)
        broker._connector = broker._loop.create_task(broker._connect_in_background())
        return broker

    async def _connect_in_background(self) -> None:
        delay = 1.0
        failures = 0
        while True:
            try:
                await self.connect()
            except Exception as error:  # noqa: BLE001 - any failure: keep answering, retry
                failures += 1
                if failures == 1 or failures % 10 == 0:
                    logger.error(
                        "RabbitMQ unreachable (%s; attempt %d): the bot keeps answering, "
                        "events are buffered (%d waiting, %d dropped so far)",
                        error,
                        failures,
                        len(self._unpublished_events),
                        self.dropped,
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            self._publish_unpublished_messages()
            return

    def _publish_unpublished_messages(self, *args: Any, **kwargs: Any) -> None:
        """On (re)connect: publish what was buffered meanwhile."""
        if self._unpublished_events:
            logger.warning(
                "RabbitMQ connected: publishing %d buffered event(s) (%d dropped so far)",
                len(self._unpublished_events),
                self.dropped,
            )
        super()._publish_unpublished_messages(*args, **kwargs)

    def _keep(self, event: Dict[Text, Any]) -> None:
        if len(self._unpublished_events) >= MAX_BUFFERED:
            self._unpublished_events.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.error(
                    "RabbitMQ event buffer full: %d event(s) dropped so far (analytics "
                    "catch up from the tracker store)",
                    self.dropped,
                )
        self._unpublished_events.append(event)
        self.buffered += 1

    async def _publish(
        self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None
    ) -> None:
        if self._exchange is None:
            self._keep(event)
            return
        try:
            await self._exchange.publish(self._message(event, headers), "")
        except Exception as error:  # noqa: BLE001 - keep it for the reconnect
            logger.warning("RabbitMQ publish failed (%s); event buffered", error)
            self._keep(event)

    async def close(self) -> None:
        if self._connector is not None and not self._connector.done():
            self._connector.cancel()
        if self._unpublished_events:
            logger.error(
                "RabbitMQ broker closing with %d unpublished event(s) (analytics catch up "
                "from the tracker store)",
                len(self._unpublished_events),
            )
        await super().close()
