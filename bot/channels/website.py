"""The website channel: the chat widget's REST endpoint, with input checks.

``POST /webhooks/website/webhook`` takes ``{"sender", "message", "metadata"}`` and returns
the bot's replies as a JSON list (the same shape as Rasa's REST channel). Unlike the
plain REST channel it refuses malformed input with a clear, bilingual 4xx answer instead
of passing it to the model, and it never answers a customer with a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import http_client, rasa_patches
from bot.channels.rate_limit import ChatRateLimiter

logger = logging.getLogger(__name__)
# Rasa imports this module before it loads the model: the place to change its behaviour
rasa_patches.install_all()

MAX_MESSAGE_CHARS = 2000
MAX_METADATA_CHARS = 2000
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
ALLOWED_METADATA = {"language": 8, "page": 200}

ERRORS: Dict[str, Tuple[int, str]] = {
    "bad_json": (400, "The request must be a JSON object. 请求格式不正确。"),
    "bad_sender": (400, "Missing or invalid conversation id. 会话编号无效。"),
    "empty_message": (400, "Please type a message. 请输入内容。"),
    "message_too_long": (
        413,
        f"That message is too long; please keep it under {MAX_MESSAGE_CHARS} characters. "
        f"消息太长了，请控制在 {MAX_MESSAGE_CHARS} 字以内。",
    ),
    "bad_metadata": (400, "Invalid metadata. 元数据无效。"),
    "rate_limited": (
        429,
        "You are sending messages too quickly; please wait a moment and try again. "
        "您发送得太快了，请稍等片刻再试。",
    ),
}
APOLOGY = (
    "Sorry, something went wrong on our side. Please try again in a moment. "
    "抱歉，系统出了点问题，请稍后再试。"
)


def error_response(code: str, retry_after: Optional[int] = None) -> HTTPResponse:
    """A 4xx JSON answer with a human-readable, bilingual message."""
    status, message = ERRORS[code]
    body: Dict[str, Any] = {"error": code, "message": message}
    headers: Dict[str, str] = {}
    if retry_after is not None:
        body["retry_after"] = retry_after
        headers["Retry-After"] = str(retry_after)
    return response.json(body, status=status, headers=headers)


def clean_text(text: str) -> str:
    """Drop NUL and other control characters (keeping new lines and tabs); trim."""
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}
    ).strip()


def clean_metadata(raw: Any) -> Optional[Dict[str, str]]:
    """Keep only known, short, string metadata fields; None if the shape is wrong."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(str(raw)) > MAX_METADATA_CHARS:
        return None
    cleaned: Dict[str, str] = {}
    for key, limit in ALLOWED_METADATA.items():
        value = raw.get(key)
        if isinstance(value, str) and len(value) <= limit:
            cleaned[key] = clean_text(value)
    return cleaned


class WebsiteInput(InputChannel):
    """REST channel for the shop's chat widget."""

    @classmethod
    def name(cls) -> Text:
        return "website"

    def __init__(self, limiter: Optional[ChatRateLimiter] = None) -> None:
        self.limiter = limiter

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from crm_backend.settings import get_settings

        return cls(ChatRateLimiter.from_settings(get_settings()))

    def parse(self, request: Request) -> Tuple[Optional[str], Optional[UserMessage]]:
        """Validate the request; return (error code, None) or (None, message)."""
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - sanic raises its own error for bad JSON
            return "bad_json", None
        if not isinstance(body, dict):
            return "bad_json", None
        sender = body.get("sender")
        if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
            return "bad_sender", None
        text = body.get("message")
        if not isinstance(text, str):
            return "empty_message", None
        if len(text) > MAX_MESSAGE_CHARS:
            return "message_too_long", None
        text = clean_text(text)
        if not text:
            return "empty_message", None
        metadata = clean_metadata(body.get("metadata"))
        if metadata is None:
            return "bad_metadata", None
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
        return None, message

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("website_webhook", __name__)

        @blueprint.listener("after_server_stop")
        async def close_action_connections(*_: Any) -> None:
            await http_client.close_sessions()

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            limiter = self.limiter
            if limiter is not None:  # per IP first: floods of malformed requests count too
                ip = limiter.ip_of(request.ip, request.headers.get("x-forwarded-for", ""))
                wait = await limiter.check_ip(ip)
                if wait is not None:
                    logger.warning("website: rate limit for a client IP (retry in %d s)", wait)
                    return error_response("rate_limited", wait)
            error, message = self.parse(request)
            if error or message is None:
                return error_response(error or "bad_json")
            if limiter is not None:
                wait = await limiter.check_sender(message.sender_id)
                if wait is not None:
                    logger.warning("website: rate limit for conversation %s", message.sender_id)
                    return error_response("rate_limited", wait)
            collector = message.output_channel
            assert isinstance(collector, CollectingOutputChannel)
            try:
                await on_new_message(message)
            except asyncio.CancelledError:
                logger.error("website message timed out for %s", message.sender_id)
                return response.json([{"recipient_id": message.sender_id, "text": APOLOGY}])
            except Exception:  # noqa: BLE001 - never leak a trace to the customer
                logger.exception("website message failed for %s", message.sender_id)
                return response.json([{"recipient_id": message.sender_id, "text": APOLOGY}])
            return response.json(collector.messages)

        return blueprint
