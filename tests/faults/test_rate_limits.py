"""The chat channel's per-IP limit on the scale stack: counted in Redis across both Rasa
replicas behind nginx, with the client address taken from nginx's X-Forwarded-For."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from typing import Any, Dict, Tuple

from tests.faults.support import Chat


def post(chat: Chat, body: Dict[str, Any], client: str) -> Tuple[int, Dict[str, str], Any]:
    request = urllib.request.Request(
        f"{chat.settings.rasa_url}/webhooks/website/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": client},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def test_one_client_ip_is_limited_across_replicas(scale_chat: Chat, sender: str) -> None:
    client = f"203.0.113.{secrets.randbelow(250) + 1}"
    limit = 300  # CHAT_RATE_PER_IP default: 300 per 60 s
    # malformed requests count too (a flood of garbage is limited like real messages);
    # nginx spreads them over both replicas, so only a shared counter reaches the limit
    statuses = [
        post(scale_chat, {"sender": sender, "message": " "}, client)[0] for _ in range(limit)
    ]
    assert set(statuses) == {400}, statuses
    status, headers, body = post(scale_chat, {"sender": sender, "message": "hello"}, client)
    assert status == 429, body
    assert body["error"] == "rate_limited" and "发送得太快" in body["message"]
    assert 1 <= int(headers["Retry-After"]) <= 61
    # another customer (another address) is served; so is the stack's own loopback traffic
    status, _, replies = post(scale_chat, {"sender": sender, "message": "hello"}, "198.51.100.7")
    assert status == 200 and replies, replies
    assert scale_chat.say("hello", sender)


def test_a_forged_forwarded_for_cannot_dodge_the_limit(scale_chat: Chat, sender: str) -> None:
    """nginx appends the real peer; a client-supplied left-most entry is not believed."""
    client = f"203.0.113.{secrets.randbelow(250) + 1}"
    # the proxy hop list as nginx forwards it: "<forged>, <client>"
    forged = [f"10.0.{i // 250}.{i % 250}, {client}" for i in range(300)]
    statuses = [post(scale_chat, {"sender": sender, "message": ""}, f)[0] for f in forged]
    assert statuses.count(400) == 300
    assert post(scale_chat, {"sender": sender, "message": "hello"}, f"10.9.9.9, {client}")[0] == 429
