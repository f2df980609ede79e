"""Rasa's HTTP API as the web app uses it: read a conversation, append events.

Rasa runs with ``--enable-api --auth-token $RASA_TOKEN``; the token goes in the query
string (Rasa's token auth). The web app never touches Rasa's tables: transcripts are read
with ``GET /conversations/{id}/tracker`` and agent replies, pause / resume are written with
``POST /conversations/{id}/tracker/events`` (under Rasa's per-conversation lock).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Protocol
from urllib.parse import quote

import httpx

from crm_backend.settings import Settings


class RasaUnavailable(Exception):
    """Rasa did not answer, refused the token, or answered with an error."""


class ConversationStore(Protocol):
    async def tracker(self, conversation_id: str) -> Dict[str, Any]: ...

    async def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None: ...

    async def close(self) -> None: ...


class RasaClient:
    """Async client of one Rasa server (one connection pool per web app)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._client = httpx.AsyncClient(timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> "RasaClient":
        return cls(settings.rasa_api_url, settings.rasa_token.get_secret_value())

    def _url(self, conversation_id: str, suffix: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{suffix}"

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        params = {"token": self._token, **kwargs.pop("params", {})}
        try:
            answer = await self._client.request(method, url, params=params, **kwargs)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"Rasa is not reachable: {type(error).__name__}") from error
        if answer.status_code >= 400:
            raise RasaUnavailable(f"Rasa answered {answer.status_code}")
        return answer

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation's state with all its events."""
        answer = await self._request(
            "GET", self._url(conversation_id, "tracker"), params={"include_events": "ALL"}
        )
        data = answer.json()
        if not isinstance(data, dict):
            raise RasaUnavailable("Rasa answered with an unexpected tracker")
        return data

    async def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Append events (stamped now unless they carry a timestamp)."""
        now = time.time()
        stamped = [{"timestamp": now, **event} for event in events]
        await self._request(
            "POST",
            self._url(conversation_id, "tracker/events"),
            params={"include_events": "NONE"},
            json=stamped,
        )

    async def close(self) -> None:
        await self._client.aclose()


def bot_message(
    text: str,
    *,
    agent_name: Optional[str] = None,
    agent_id: Optional[int] = None,
    kind: Optional[str] = None,
) -> Dict[str, Any]:
    """A ``bot`` event; agent replies carry the agent in the metadata."""
    metadata: Dict[str, Any] = {"source": "console"}
    if agent_name:
        metadata["agent_name"] = agent_name
    if agent_id is not None:
        metadata["agent_id"] = agent_id
    if kind:
        metadata["kind"] = kind
    return {"event": "bot", "text": text, "data": {}, "metadata": metadata}


PAUSE: Dict[str, Any] = {"event": "pause"}
# resume + listen: the next customer message is predicted from a clean "listening" state
RESUME: List[Dict[str, Any]] = [
    {"event": "resume"},
    {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
]
