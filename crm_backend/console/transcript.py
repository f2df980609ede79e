"""A conversation's transcript for agents, built from Rasa tracker events (pure functions).

Each customer message carries its intent, confidence, sentiment and language as the NLU
saw them; bot messages say whether a bot or a named agent wrote them; pause / resume are
system lines. Items keep the index of their tracker event, so pages and live updates can
ask for "everything after index N" or "the 50 before index M".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

MAX_TEXT = 4000
PAGE_SIZE = 50


@dataclass(frozen=True)
class TranscriptItem:
    index: int
    kind: str  # "user" | "bot" | "agent" | "system"
    text: str
    timestamp: float
    intent: Optional[str] = None
    confidence: Optional[float] = None
    sentiment_label: Optional[str] = None
    sentiment_score: Optional[float] = None
    language: Optional[str] = None
    agent_name: Optional[str] = None
    event: Optional[str] = None  # system lines: "paused" | "resumed" | "session_started"
    buttons: List[str] = field(default_factory=list)

    def as_json(self) -> Dict[str, Any]:
        return asdict(self)


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return round(float(value), 3)


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def item_for(index: int, event: Mapping[str, Any]) -> Optional[TranscriptItem]:
    """The transcript line of one tracker event, or None if it is not shown."""
    kind = event.get("event")
    stamp = _number(event.get("timestamp")) or 0.0
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") if isinstance(parse, Mapping) else None
        sentiment = parse.get("sentiment") if isinstance(parse, Mapping) else None
        sentiment = sentiment if isinstance(sentiment, Mapping) else {}
        language = parse.get("language") if isinstance(parse, Mapping) else None
        return TranscriptItem(
            index=index,
            kind="user",
            text=_text(event.get("text")),
            timestamp=stamp,
            intent=intent.get("name") if isinstance(intent, Mapping) else None,
            confidence=_number(intent.get("confidence")) if isinstance(intent, Mapping) else None,
            sentiment_label=sentiment.get("label")
            if isinstance(sentiment.get("label"), str)
            else None,
            sentiment_score=_number(sentiment.get("score")),
            language=language if isinstance(language, str) else None,
        )
    if kind == "bot":
        metadata = event.get("metadata") or {}
        metadata = metadata if isinstance(metadata, Mapping) else {}
        data = event.get("data") or {}
        buttons = data.get("buttons") if isinstance(data, Mapping) else None
        titles = [
            str(b.get("title"))[:100]
            for b in (buttons if isinstance(buttons, list) else [])
            if isinstance(b, Mapping) and b.get("title")
        ]
        agent = metadata.get("agent_name")
        text = _text(event.get("text"))
        if not text and not titles:
            return None
        return TranscriptItem(
            index=index,
            kind="agent" if isinstance(agent, str) and agent else "bot",
            text=text,
            timestamp=stamp,
            agent_name=agent if isinstance(agent, str) else None,
            buttons=titles,
        )
    system = {"pause": "paused", "resume": "resumed", "session_started": "session_started"}
    if kind in system:
        return TranscriptItem(
            index=index, kind="system", text="", timestamp=stamp, event=system[kind]
        )
    return None


def transcript(events: Sequence[Mapping[str, Any]]) -> List[TranscriptItem]:
    items = []
    for index, event in enumerate(events):
        if isinstance(event, Mapping):
            item = item_for(index, event)
            if item is not None:
                items.append(item)
    return items


def page(
    items: Sequence[TranscriptItem],
    *,
    before: Optional[int] = None,
    after: Optional[int] = None,
    limit: int = PAGE_SIZE,
) -> Dict[str, Any]:
    """``after``: every item after that index (live updates); else the ``limit`` items
    before ``before`` (default: the newest), with ``more`` saying if older ones exist."""
    limit = max(1, min(limit, 200))
    if after is not None:
        chosen = [i for i in items if i.index > after][:500]
        more = False
    else:
        older = [i for i in items if before is None or i.index < before]
        chosen = older[-limit:]
        more = len(older) > limit
    return {"items": [i.as_json() for i in chosen], "more": more}
