"""``python -m crm_backend.analytics.consumer``: keep ``interactions`` up to date.

Scale profile (``RABBITMQ_URL`` set): consumes the events Rasa's Pika event broker
publishes (queue ``EVENTS_QUEUE`` bound to the fanout exchange ``<queue>.exchange``),
recomputes each changed conversation from the tracker store and records it, and acks the
messages only after the row is committed (at-least-once delivery; redelivery is harmless
because the row is recomputed, not incremented). A lagging sweep of the tracker store
catches up what the broker lost and reports it. If RabbitMQ cannot be reached the consumer
keeps retrying (with the sweep doing the work meanwhile); it never stops the bot.

Embedded profile (no ``RABBITMQ_URL``): the sweep alone, every second, over Rasa's SQLite
tracker store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Dict, List, Optional

from crm_backend import log_masking
from crm_backend.analytics.tracker_events import TrackerEvents
from crm_backend.analytics.writer import BEHIND, AnalyticsWriter, Status, Sweeper
from crm_backend.db import make_engine, make_session_factory
from crm_backend.settings import Settings, get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

logger = logging.getLogger("crm_backend.analytics")
log_masking.install()  # no e-mail, phone or card number in the writer's logs
PREFETCH = 500
FLUSH_SECONDS = 0.5
GIVE_UP_SECONDS = 60.0  # an event the tracker store never shows: acked, counted, logged


def exchange_name(queue: str) -> str:
    """The fanout exchange Rasa publishes to (bot.endpoints): our own, never Rasa's shared
    default ``rasa-exchange`` (other RabbitMQ users would receive our events)."""
    return f"{queue}.exchange"


@dataclass
class _Pending:
    newest: float = 0.0
    since: float = field(default_factory=time.monotonic)
    messages: List[Any] = field(default_factory=list)


class BrokerFeed:
    """RabbitMQ -> pending conversations -> writer, acking after the commit."""

    def __init__(self, settings: Settings, writer: AnalyticsWriter) -> None:
        self.settings = settings
        self.writer = writer
        self.status = writer.status
        self.pending: Dict[str, _Pending] = {}

    async def on_message(self, message: Any) -> None:
        self.status.add("messages")
        try:
            body = json.loads(message.body)
            sender = body["sender_id"]
            stamp = float(body.get("timestamp") or 0.0)
            if not isinstance(sender, str) or not sender:
                raise ValueError("no sender_id")
        except (ValueError, KeyError, TypeError):
            self.status.add("malformed")
            await self._ack(message)
            return
        entry = self.pending.setdefault(sender, _Pending())
        entry.newest = max(entry.newest, stamp)
        entry.messages.append(message)

    async def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, {}
        newest = {sender: entry.newest for sender, entry in batch.items()}
        loop = asyncio.get_running_loop()
        try:
            results = await loop.run_in_executor(None, partial(self.writer.refresh, batch, newest))
        except Exception:  # noqa: BLE001 - database away: keep the messages, retry later
            logger.exception("analytics: could not record %d conversation(s)", len(batch))
            self.status.add("write_errors")
            self._requeue(batch)
            return
        retry: Dict[str, _Pending] = {}
        for sender, entry in batch.items():
            if results.get(sender) == BEHIND:
                if time.monotonic() - entry.since < GIVE_UP_SECONDS:
                    retry[sender] = entry
                    continue
                self.status.add("missing_in_tracker")
                logger.error("analytics: events of a conversation never reached the tracker")
            for message in entry.messages:
                await self._ack(message)
        self._requeue(retry)

    async def _ack(self, message: Any) -> None:
        try:
            await message.ack()
        except Exception:  # noqa: BLE001 - channel gone: RabbitMQ redelivers, harmlessly
            self.status.add("ack_failures")

    def _on_reconnect(self, *_: Any) -> None:
        """The robust connection came back on a new channel: what was pending will be
        redelivered (never acked), so forget it here."""
        self.status.add("broker_reconnected")
        self.pending.clear()

    def _requeue(self, batch: Dict[str, _Pending]) -> None:
        for sender, entry in batch.items():
            current = self.pending.setdefault(sender, _Pending(since=entry.since))
            current.newest = max(current.newest, entry.newest)
            current.since = min(current.since, entry.since)
            current.messages[:0] = entry.messages

    async def run(self, stop: asyncio.Event) -> None:
        import aio_pika

        queue_name = self.settings.events_queue
        delay = 1.0
        while not stop.is_set():
            try:
                connection = await aio_pika.connect_robust(self.settings.rabbitmq_url, timeout=5)
            except Exception as error:  # noqa: BLE001 - any failure: retry, never exit
                self.status.add("broker_connect_failures")
                logger.warning("analytics: RabbitMQ unreachable (%s); retrying", error)
                await _wait(stop, delay)
                delay = min(delay * 2, 10.0)
                continue
            delay = 1.0
            connection.reconnect_callbacks.add(self._on_reconnect)
            try:
                async with connection:
                    channel = await connection.channel()
                    await channel.set_qos(prefetch_count=PREFETCH)
                    exchange = await channel.declare_exchange(
                        exchange_name(queue_name), type=aio_pika.ExchangeType.FANOUT
                    )
                    queue = await channel.declare_queue(queue_name, durable=True)
                    await queue.bind(exchange, "")
                    await queue.consume(self.on_message)
                    logger.info("analytics: consuming %s", queue_name)
                    self.status.add("broker_connected")
                    while not stop.is_set():
                        await self.flush()
                        self.status.save()
                        await _wait(stop, FLUSH_SECONDS)
                    await self.flush()
            except Exception as error:  # noqa: BLE001 - channel closed, vhost gone, ...
                self.status.add("broker_errors")
                logger.warning("analytics: RabbitMQ channel failed (%s); reconnecting", error)
                self.pending.clear()  # unacked messages are redelivered by RabbitMQ
                await _wait(stop, delay)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


async def sweep_forever(sweeper: Sweeper, stop: asyncio.Event, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            await loop.run_in_executor(None, sweeper.sweep)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the process
            sweeper.writer.status.add("sweep_errors")
            logger.exception("analytics: tracker sweep failed; retrying")
        sweeper.writer.status.save()
        await _wait(stop, seconds)


def build_writer(settings: Settings) -> AnalyticsWriter:
    factory = make_session_factory(make_engine(settings.database_url))
    status = Status(settings.var_dir / "analytics-status.json")
    return AnalyticsWriter(
        TrackerEvents(settings.tracker_url), lambda: SqlAlchemyUnitOfWork(factory), status
    )


async def main_async(settings: Settings, sweep_seconds: Optional[float]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    writer = build_writer(settings)
    with_broker = bool(settings.rabbitmq_url)
    interval = sweep_seconds if sweep_seconds is not None else (30.0 if with_broker else 1.0)
    tasks = [asyncio.create_task(sweep_forever(Sweeper(writer, lag=with_broker), stop, interval))]
    if with_broker:
        tasks.append(asyncio.create_task(BrokerFeed(settings, writer).run(stop)))
    logger.info("analytics: writer started (%s)", "RabbitMQ + sweep" if with_broker else "sweep")
    await asyncio.gather(*tasks)
    writer.status.save()
    writer.tracker.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep-seconds", type=float, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(main_async(settings, args.sweep_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
