"""bot/http_client.py: Rasa's endpoint requests, over one kept-alive connection."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Tuple

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import fast_json, http_client


async def _serve(seen: List[Dict[str, Any]]) -> Tuple[web.AppRunner, str]:
    async def webhook(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        body = await request.text()
        seen.append(
            {
                "peer": peer,
                "body": body,
                "query": dict(request.query),
                "headers": dict(request.headers),
            }
        )
        if request.query.get("fail"):
            return web.Response(status=400, text='{"error": "rejected"}')
        if request.query.get("text"):
            return web.Response(text="plain")
        return web.json_response({"events": [], "echo": json.loads(body)})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app, keepalive_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/webhook"


def test_requests_share_one_connection_and_answer_like_rasa() -> None:
    seen: List[Dict[str, Any]] = []

    async def scenario() -> List[Any]:
        runner, url = await _serve(seen)
        endpoint = EndpointConfig(url, token="s3cret", headers={"X-Shop": "1"})
        try:
            answers = [
                await http_client.request(endpoint, json={"n": i, "text": "退货 / é"})
                for i in range(3)
            ]
            answers.append(await http_client.request(endpoint, params={"text": "1"}, json={}))
            with pytest.raises(ClientResponseError) as rejected:
                await http_client.request(endpoint, params={"fail": "1"}, json={})
            answers.append((rejected.value.status, rejected.value.text))
        finally:
            await http_client.close_sessions()
            await runner.cleanup()
        return answers

    answers = asyncio.run(scenario())
    assert [a["echo"]["n"] for a in answers[:3]] == [0, 1, 2]
    assert answers[0]["echo"]["text"] == "退货 / é"
    assert answers[3] is None  # not JSON
    assert answers[4] == (400, b'{"error": "rejected"}')
    assert len({s["peer"] for s in seen}) == 1  # one TCP connection for all five
    assert all(s["query"]["token"] == "s3cret" for s in seen)
    assert all(s["headers"]["X-Shop"] == "1" for s in seen)
    assert seen[0]["headers"]["Content-Type"] == "application/json"
    assert not http_client._sessions  # closed with the loop


def test_bodies_read_back_as_the_standard_library_writes_them() -> None:
    value = {"a": [1, 2.5, 0.1 + 0.2, "x / y", "退货"], "big": 2**70, "none": None}
    assert json.loads(fast_json.dumps(value)) == json.loads(json.dumps(value))
    assert json.loads(fast_json.dumps({"c": float("nan")}))["c"] != 0  # NaN as json does
    with pytest.raises(TypeError):  # neither encoder takes a set
        fast_json.dumps({"s": {1}})


def test_install_replaces_rasa_s_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "request", EndpointConfig.request)  # restored after
    http_client.install()
    http_client.install()
    assert EndpointConfig.request is http_client.request
