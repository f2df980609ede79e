"""Rasa's HTTP calls to its endpoints (the action server) over kept-alive connections.

Rasa 3.6's ``EndpointConfig.request`` builds a new ``aiohttp.ClientSession`` for every
call, so every custom action (several per turn: the action, form validation, the
escalation check) opened and closed a TCP connection on both sides, and the request body
(the whole tracker) was encoded with the standard library's ``json``. Under load these
were ~15 % of the Rasa process's time (py-spy, docs/scale.md).

:func:`request` does what Rasa's does (same headers, token parameters, TLS file,
timeout, errors: ``ClientResponseError`` for a status >= 400, ``None`` for a reply that is
not JSON) through one session per event loop and endpoint settings, whose connections
are kept alive for ``KEEPALIVE_SECONDS``: shorter than the Sanic action server's own
5-second keep-alive, so the client always drops an idle connection before the server
does (no request is ever written to a socket the server is closing). Bodies are encoded
with ``ujson`` (a Rasa dependency; same JSON, ~3x faster), falling back to ``json``
for anything ujson refuses.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any, Dict, Optional, Text, Tuple

import aiohttp
from aiohttp import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from bot.fast_json import dumps
from bot.patching import patch_once

KEEPALIVE_SECONDS = 3.0
CONNECTIONS_PER_ENDPOINT = 100
_MARK = "_shop_kept_alive"

_SessionKey = Tuple[asyncio.AbstractEventLoop, Text, Tuple[Tuple[Text, Text], ...], Any]
_sessions: Dict[_SessionKey, aiohttp.ClientSession] = {}


def _auth(endpoint: EndpointConfig) -> Optional[aiohttp.BasicAuth]:
    if not endpoint.basic_auth:
        return None
    return aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])


def session_for(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The running loop's long-lived session for the endpoint's URL, headers and auth."""
    loop = asyncio.get_running_loop()
    auth = _auth(endpoint)
    key: _SessionKey = (
        loop,
        endpoint.url,
        tuple(sorted((str(k), str(v)) for k, v in (endpoint.headers or {}).items())),
        (auth.login, auth.password) if auth else None,
    )
    session = _sessions.get(key)
    if session is None or session.closed:
        for stale in [k for k in _sessions if k[0].is_closed()]:
            del _sessions[stale]  # sessions of loops that are gone (tests run many loops)
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=CONNECTIONS_PER_ENDPOINT, keepalive_timeout=KEEPALIVE_SECONDS
            ),
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=dumps,
        )
        _sessions[key] = session
    return session


async def request(
    endpoint: EndpointConfig,
    method: Text = "post",
    subpath: Optional[Text] = None,
    content_type: Optional[Text] = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Optional[Any]:
    """``EndpointConfig.request`` over the endpoint's kept-alive session."""
    headers: Dict[Text, Text] = {}
    if content_type:
        headers["Content-Type"] = content_type
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(endpoint.headers or {})
    sslcontext = None
    if endpoint.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=endpoint.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, "
                f"'{os.path.abspath(endpoint.cafile)}' does not exist."
            ) from e
    async with session_for(endpoint).request(
        method,
        concat_url(endpoint.url, subpath),
        headers=headers,
        params=endpoint.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(
                response.status, response.reason, await response.content.read()
            )
        try:
            return await response.json()
        except ContentTypeError:
            return None


async def close_sessions() -> None:
    """Close the running loop's sessions (at server stop; a new call opens a new one)."""
    loop = asyncio.get_running_loop()
    for key in [k for k in _sessions if k[0] is loop]:
        await _sessions.pop(key).close()


def install() -> None:
    """Route every ``EndpointConfig.request`` of this process through :func:`request`."""
    patch_once(EndpointConfig, "request", _MARK, lambda _original: request)
