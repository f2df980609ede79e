"""Live updates: an in-process pub/sub hub, Server-Sent Events, and the queue watcher.

Topics: ``console`` (queue changes and conversation activity, for every signed-in agent)
and ``chat:<conversation id>`` (agent messages, joined / left, typing, the CSAT prompt, for
that conversation's widget only). Each chat topic keeps its last events, so a widget that
reconnects (EventSource sends ``Last-Event-ID``) or reloads (``?after=``) gets what it
missed. Event ids grow with the clock, so they keep growing across restarts.

The watcher runs while at least one console is connected: every second it reads the
queue from the CRM and the trackers of the queued conversations from Rasa, and publishes
what changed. This is one web-app process's view: running several web workers needs a
shared broker (e.g. Redis pub/sub) in place of :class:`Hub`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Deque, Dict, List, Optional, Set, Tuple

from starlette.concurrency import run_in_threadpool

from crm_backend.console.rasa_api import ConversationStore, RasaUnavailable
from crm_backend.console.transcript import transcript
from crm_backend.services import tickets
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

logger = logging.getLogger(__name__)

CONSOLE = "console"
BUFFER = 100
MAX_TOPICS = 5000
MAX_SUBSCRIBERS_PER_TOPIC = 8
QUEUE_SIZE = 200
HEARTBEAT_SECONDS = 15.0


def chat_topic(conversation_id: str) -> str:
    return f"chat:{conversation_id}"


@dataclass(frozen=True)
class LiveEvent:
    id: int
    type: str
    data: Dict[str, Any]

    def sse(self) -> str:
        payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n"


@dataclass
class Topic:
    buffer: Deque[LiveEvent] = field(default_factory=lambda: deque(maxlen=BUFFER))
    subscribers: Set["asyncio.Queue[LiveEvent]"] = field(default_factory=set)


class TooManySubscribers(Exception):
    pass


class Hub:
    """Publish / subscribe inside one event loop (call from async code only)."""

    def __init__(self) -> None:
        self.topics: "OrderedDict[str, Topic]" = OrderedDict()
        self._last_id = 0

    def _next_id(self) -> int:
        self._last_id = max(self._last_id + 1, int(time.time() * 1000))
        return self._last_id

    def _topic(self, name: str) -> Topic:
        topic = self.topics.get(name)
        if topic is None:
            topic = self.topics[name] = Topic()
            while len(self.topics) > MAX_TOPICS:
                oldest = next((k for k, t in self.topics.items() if not t.subscribers), None)
                if oldest is None:
                    break
                del self.topics[oldest]
        self.topics.move_to_end(name)
        return topic

    def event(self, type_: str, data: Dict[str, Any]) -> LiveEvent:
        """A numbered event that is not published (e.g. a snapshot for one client)."""
        return LiveEvent(self._next_id(), type_, data)

    def publish(self, name: str, type_: str, data: Dict[str, Any]) -> LiveEvent:
        event = self.event(type_, data)
        topic = self._topic(name)
        topic.buffer.append(event)
        for queue in list(topic.subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a stalled client: drop it, it will reconnect
                topic.subscribers.discard(queue)
        return event

    def subscribe(
        self, name: str, after: Optional[int] = None
    ) -> Tuple["asyncio.Queue[LiveEvent]", List[LiveEvent]]:
        topic = self._topic(name)
        if len(topic.subscribers) >= MAX_SUBSCRIBERS_PER_TOPIC:
            raise TooManySubscribers(name)
        queue: "asyncio.Queue[LiveEvent]" = asyncio.Queue(maxsize=QUEUE_SIZE)
        topic.subscribers.add(queue)
        backlog = [e for e in topic.buffer if after is not None and e.id > after]
        return queue, backlog

    def unsubscribe(self, name: str, queue: "asyncio.Queue[LiveEvent]") -> None:
        topic = self.topics.get(name)
        if topic is not None:
            topic.subscribers.discard(queue)

    def subscriber_count(self, name: str) -> int:
        topic = self.topics.get(name)
        return len(topic.subscribers) if topic else 0


def parse_last_id(*values: Optional[str]) -> Optional[int]:
    for value in values:
        if value and value.isdigit() and len(value) < 20:
            return int(value)
    return None


async def sse_stream(
    hub: Hub,
    name: str,
    queue: "asyncio.Queue[LiveEvent]",
    first: List[LiveEvent],
    *,
    heartbeat: float = HEARTBEAT_SECONDS,
    on_close: Optional[Callable[[], None]] = None,
) -> AsyncIterator[str]:
    """The text/event-stream body: backlog, then live events, with comment heartbeats."""
    try:
        yield "retry: 2000\n\n"
        for event in first:
            yield event.sse()
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=heartbeat)
            except asyncio.TimeoutError:
                yield ": ping\n\n"
                continue
            yield event.sse()
    finally:
        hub.unsubscribe(name, queue)
        if on_close is not None:
            on_close()


def queue_json(views: List[tickets.TicketView], now: Optional[float] = None) -> List[Dict]:
    now = now or time.time()
    return [
        {
            "id": v.id,
            "reference": v.reference,
            "subject": v.subject,
            "reason": v.reason,
            "priority": v.priority,
            "status": v.status,
            "conversation_id": v.conversation_id,
            "customer_id": v.customer_id,
            "assignee_id": v.assignee_id,
            "assignee_name": v.assignee_name,
            "created_at": v.created_at.isoformat(),
            "waiting_seconds": max(0, int(now - v.created_at.timestamp())),
        }
        for v in views
    ]


class Watcher:
    """Polls the queue (CRM) and the queued conversations (Rasa) while consoles listen."""

    def __init__(
        self,
        hub: Hub,
        rasa: ConversationStore,
        make_uow: Callable[[], SqlAlchemyUnitOfWork],
        *,
        interval: float = 1.0,
    ) -> None:
        self.hub = hub
        self.rasa = rasa
        self.make_uow = make_uow
        self.interval = interval
        self.task: Optional["asyncio.Task[None]"] = None
        self.queue_signature: Optional[Tuple[Any, ...]] = None
        self.last_index: Dict[str, int] = {}
        # the newest activity of each queued conversation, replayed to consoles that connect
        self.activity: Dict[str, Dict[str, Any]] = {}

    def ensure_running(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self.hub.subscriber_count(CONSOLE) > 0:
                try:
                    await self.tick()
                except Exception:  # noqa: BLE001 - keep watching; log the cause
                    logger.exception("console watcher tick failed")
                await asyncio.sleep(self.interval)
        finally:
            self.queue_signature = None

    async def queue(self) -> List[tickets.TicketView]:
        return await run_in_threadpool(lambda: tickets.list_queue(self.make_uow()))

    async def tick(self) -> None:
        views = await self.queue()
        signature = tuple((v.id, v.status, v.assignee_id, v.priority) for v in views)
        if signature != self.queue_signature:
            self.queue_signature = signature
            self.hub.publish(CONSOLE, "queue", {"items": queue_json(views)})
        active = {v.conversation_id for v in views if v.conversation_id}
        for conversation_id in list(self.last_index):
            if conversation_id not in active:
                del self.last_index[conversation_id]
                self.activity.pop(conversation_id, None)
        for conversation_id in sorted(active):
            await self._check_conversation(conversation_id)

    async def _check_conversation(self, conversation_id: str) -> None:
        try:
            state = await self.rasa.tracker(conversation_id)
        except RasaUnavailable:
            return
        items = transcript(state.get("events") or [])
        if not items:
            return
        last = items[-1].index
        if self.last_index.get(conversation_id) != last:
            self.last_index[conversation_id] = last
            newest_user = next((i for i in reversed(items) if i.kind == "user"), None)
            data = {
                "conversation_id": conversation_id,
                "last_index": last,
                "last_customer_text": newest_user.text[:140] if newest_user else "",
                "paused": bool(state.get("paused")),
            }
            self.activity[conversation_id] = data
            self.hub.publish(CONSOLE, "activity", data)
