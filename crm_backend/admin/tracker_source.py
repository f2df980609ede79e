"""Customer messages as Rasa stored them, read through Rasa's own tracker store classes.

Rasa's HTTP API has no "list conversations" endpoint, so the inbox opens the tracker store
the server is configured with (``bot.endpoints.endpoints``: SQL on SQLite in the embedded
profile, PostgreSQL at scale) with Rasa's ``TrackerStore.create`` - no SQL of our own on
Rasa's tables. Rasa is imported lazily (seconds) on the first use, in a worker thread.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Protocol

from crm_backend.settings import Settings

MAX_CONVERSATIONS = 500


class TrackerSource(Protocol):
    async def conversation_ids(self) -> List[str]: ...

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]: ...


class RasaTrackerStoreSource:
    """Rasa's tracker store of the settings' profile (built on first use)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store: Optional[Any] = None
        self._lock = threading.Lock()

    def _tracker_store(self) -> Any:
        with self._lock:
            if self._store is None:
                from rasa.core.tracker_store import TrackerStore
                from rasa.shared.core.domain import Domain
                from rasa.utils.endpoints import EndpointConfig

                from bot.endpoints import endpoints

                config = dict(endpoints(self._settings)["tracker_store"])
                self._store = TrackerStore.create(
                    EndpointConfig.from_dict(config), domain=Domain.empty()
                )
            return self._store

    async def conversation_ids(self) -> List[str]:
        from starlette.concurrency import run_in_threadpool

        store = await run_in_threadpool(self._tracker_store)
        keys = [str(key) for key in await store.keys()]
        return keys[-MAX_CONVERSATIONS:]

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        from starlette.concurrency import run_in_threadpool

        store = await run_in_threadpool(self._tracker_store)
        tracker = await store.retrieve_full_tracker(conversation_id)
        if tracker is None:
            return []
        return [event.as_dict() for event in tracker.events]
