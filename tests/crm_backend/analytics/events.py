"""Rasa-shaped serialised events (as the tracker store keeps and the broker publishes)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

T0 = 1_764_000_000.0


def user(
    t: float,
    intent: str,
    text: str = "hi",
    language: Optional[str] = "en",
    sentiment: Optional[float] = None,
    channel: str = "website",
) -> Dict[str, Any]:
    parse: Dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if language:
        parse["language"] = language
    if sentiment is not None:
        parse["sentiment"] = {
            "label": "negative" if sentiment < 0 else "positive",
            "score": sentiment,
        }
    return {
        "event": "user",
        "timestamp": T0 + t,
        "text": text,
        "parse_data": parse,
        "input_channel": channel,
        "metadata": {},
    }


def action(t: float, name: str) -> Dict[str, Any]:
    return {"event": "action", "timestamp": T0 + t, "name": name}


def bot(t: float, text: str = "ok") -> Dict[str, Any]:
    return {"event": "bot", "timestamp": T0 + t, "text": text, "data": {}}


def slot(t: float, name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": T0 + t, "name": name, "value": value}


def turn(t: float, intent: str, **kwargs: Any) -> List[Dict[str, Any]]:
    """One user message and the bot's answer, as Rasa logs them."""
    return [
        user(t, intent, **kwargs),
        slot(t + 0.01, "language", kwargs.get("language") or "en"),
        action(t + 0.02, f"utter_{intent}"),
        bot(t + 0.03),
        action(t + 0.04, "action_listen"),
    ]


def conversation() -> List[Dict[str, Any]]:
    """greet, where is my order (+ e-mail), delivery question in Chinese, thanks."""
    return [
        action(0, "action_session_start"),
        {"event": "session_started", "timestamp": T0 + 0.001},
        action(0.002, "action_listen"),
        *turn(1, "greet", sentiment=0.5),
        *turn(2, "track_order", text="where is my order A1001", sentiment=-0.5),
        slot(2.5, "identity", "alice@example.com"),
        *turn(3, "inform", text="alice@example.com"),
        *turn(4, "delivery_period", text="多久能到", language="zh", sentiment=0.0),
        *turn(5, "thanks", language="zh"),
    ]
