"""Conversation analytics as a pure function of a conversation's Rasa events.

:func:`summarize` folds the serialised events of one conversation (the dicts Rasa stores
in its tracker store and publishes to its event broker) into one
:class:`ConversationSummary`: the row the ``interactions`` table keeps per conversation.
Because the summary is recomputed from the whole conversation every time, applying it
twice, late or out of order changes nothing (see ``crm_backend.services.conversation_analytics``
for the monotonic guard that keeps an older recomputation from overwriting a newer one).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, List, Mapping, Optional, Tuple

# markers of a human handoff: the customer's request, the handoff action, a paused bot
HANDOFF_INTENTS = frozenset({"contact_human_agent", "human_handoff"})
HANDOFF_ACTIONS = frozenset({"action_handoff"})
# how a conversation ended, judged by its last user intent
CLOSING_INTENTS = frozenset({"thanks", "goodbye", "affirm"})
ABANDON_INTENTS = frozenset({"stop"})
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "utter_default"})
FALLBACK_INTENT = "nlu_fallback"
CHANNELS = {"website": "web", "rest": "api", "socketio": "web", "cmdline": "console"}
LANGUAGES = ("en", "zh")

OUTCOME_HANDOFF = "handoff"
OUTCOME_RESOLVED = "resolved"
OUTCOME_ABANDONED = "abandoned"
OUTCOME_UNRESOLVED = "unresolved"
OUTCOME_OPEN = "open"


@dataclass(frozen=True)
class ConversationSummary:
    """One conversation, ready for the ``interactions`` table."""

    conversation_id: str
    channel: str
    language: str
    turns: int
    intents: Tuple[str, ...]
    sentiment_avg: Optional[float]
    handoff: bool
    outcome: str
    started_at: datetime
    ended_at: datetime
    events: int
    # the raw timestamp of the newest event (Rasa's float), to check the tracker is current
    last_timestamp: float = 0.0
    customer_identity: Optional[str] = None


@dataclass
class _Fold:
    channel: Optional[str] = None
    language_slot: Optional[str] = None
    detected: Counter = field(default_factory=Counter)
    turns: int = 0
    intents: List[str] = field(default_factory=list)
    sentiments: List[float] = field(default_factory=list)
    handoff: bool = False
    last_intent: Optional[str] = None
    last_bot_action: Optional[str] = None
    first: Optional[float] = None
    last: Optional[float] = None
    events: int = 0
    identity: Optional[str] = None


def _timestamp(event: Mapping[str, Any]) -> Optional[float]:
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _sentiment_score(parse_data: Mapping[str, Any]) -> Optional[float]:
    sentiment = parse_data.get("sentiment")
    score: Any = sentiment.get("score") if isinstance(sentiment, Mapping) else sentiment
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return None
    value = float(score)
    return value if -1.0 <= value <= 1.0 else None


def _user(fold: _Fold, event: Mapping[str, Any]) -> None:
    parse_data = event.get("parse_data") or {}
    if not isinstance(parse_data, Mapping):
        parse_data = {}
    fold.turns += 1
    intent = (parse_data.get("intent") or {}).get("name")
    if isinstance(intent, str) and intent:
        fold.last_intent = intent
        if intent not in fold.intents:
            fold.intents.append(intent)
        fold.handoff = fold.handoff or intent in HANDOFF_INTENTS
    score = _sentiment_score(parse_data)
    if score is not None:
        fold.sentiments.append(score)
    detected = parse_data.get("language")
    if detected in LANGUAGES:
        fold.detected[detected] += 1
    channel = event.get("input_channel")
    if isinstance(channel, str) and channel and fold.channel is None:
        fold.channel = CHANNELS.get(channel, channel)[:32]


def _slot(fold: _Fold, event: Mapping[str, Any]) -> None:
    name, value = event.get("name"), event.get("value")
    if name == "language" and value in LANGUAGES:
        fold.language_slot = str(value)
    elif name == "identity" and isinstance(value, str) and value.strip():
        fold.identity = value.strip()[:254]


def _apply(fold: _Fold, event: Mapping[str, Any]) -> None:
    kind = event.get("event")
    if kind == "user":
        _user(fold, event)
    elif kind == "slot":
        _slot(fold, event)
    elif kind == "action":
        name = event.get("name")
        if name in HANDOFF_ACTIONS:
            fold.handoff = True
        if isinstance(name, str) and name != "action_listen" and fold.turns:
            fold.last_bot_action = name
    elif kind == "pause":
        fold.handoff = True


def _outcome(fold: _Fold) -> str:
    if fold.handoff:
        return OUTCOME_HANDOFF
    if fold.last_intent in ABANDON_INTENTS:
        return OUTCOME_ABANDONED
    if fold.last_intent in CLOSING_INTENTS:
        return OUTCOME_RESOLVED
    if fold.last_intent == FALLBACK_INTENT or fold.last_bot_action in FALLBACK_ACTIONS:
        return OUTCOME_UNRESOLVED
    return OUTCOME_OPEN


def _language(fold: _Fold) -> str:
    if fold.language_slot:
        return fold.language_slot
    if fold.detected:
        return str(fold.detected.most_common(1)[0][0])
    return "en"


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def summarize(
    conversation_id: str, events: Iterable[Mapping[str, Any]]
) -> Optional[ConversationSummary]:
    """Summarise one conversation from its events in tracker order; None if it holds no
    timestamped event (nothing to record)."""
    fold = _Fold()
    for event in events:
        if not isinstance(event, Mapping):
            continue
        stamp = _timestamp(event)
        if stamp is None:
            continue
        fold.events += 1
        fold.first = stamp if fold.first is None else min(fold.first, stamp)
        fold.last = stamp if fold.last is None else max(fold.last, stamp)
        _apply(fold, event)
    if fold.first is None or fold.last is None:
        return None
    average = round(sum(fold.sentiments) / len(fold.sentiments), 3) if fold.sentiments else None
    return ConversationSummary(
        conversation_id=conversation_id[:128],
        channel=fold.channel or "web",
        language=_language(fold),
        turns=fold.turns,
        intents=tuple(fold.intents),
        sentiment_avg=average,
        handoff=fold.handoff,
        outcome=_outcome(fold),
        started_at=_utc(fold.first),
        ended_at=_utc(fold.last),
        events=fold.events,
        last_timestamp=fold.last,
        customer_identity=fold.identity,
    )
