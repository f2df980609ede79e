"""When the bot should bring in a human on its own: pure decision functions, no I/O.

The NLU adds ``sentiment`` = ``{"label": "negative"|"neutral"|"positive", "score": s}`` to
each parse result, ``s`` a polarity in [-1, 1] (negative = unhappy). A message escalates

- on strongly negative sentiment: label negative and score <= ``threshold``;
- on a complaint with negative sentiment (any score);
- when a customer whose churn band is high signals leaving (closing the account, "I'll
  shop elsewhere", 注销账户, 再也不买 ...).

Without a ``sentiment`` key (the component is not in the pipeline) nothing sentiment-based
triggers; without a churn band nothing churn-based does.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

NEGATIVE = "negative"
COMPLAINT_INTENT = "complaint"
LEAVING_INTENTS = frozenset({"delete_account"})
HIGH_CHURN_BANDS = frozenset({"high", "very_high", "very high"})
# a bare answer to the bot's own question ("no", "nope", "不是", an e-mail) is not a
# complaint, whatever polarity a review-trained model gives its one or two words
ANSWER_INTENTS = frozenset({"affirm", "deny", "inform", "greet", "goodbye", "thanks"})
BARE_ANSWER_WORDS = 3.0  # a Chinese character counts half a word
_LATIN_WORD = re.compile(r"[^\W\u3400-\u9fff]+")
_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")

FALLBACK_INTENT = "nlu_fallback"
OFFER_RESPONSE = "utter_offer_human"  # the bot's "shall I get you a person?"
REASON_SLOT = "escalation_reason"
COMPLAINT_FORM = "complaint_form"  # while it asks, a negative description is expected
OFFER_SLOT = "offer_human"

REASON_CUSTOMER_REQUEST = "customer_request"
REASON_REPEATED_FALLBACK = "repeated_fallback"
REASON_NEGATIVE_SENTIMENT = "negative_sentiment"
REASON_NEGATIVE_COMPLAINT = "negative_complaint"
REASON_CHURN_RISK = "churn_risk"
REASONS = (
    REASON_CUSTOMER_REQUEST,
    REASON_REPEATED_FALLBACK,
    REASON_NEGATIVE_SENTIMENT,
    REASON_NEGATIVE_COMPLAINT,
    REASON_CHURN_RISK,
)

_LEAVING = re.compile(
    r"\b(close|delete|cancel|deactivate|remove)\s+(my\s+)?account\b"
    r"|\b(shop|order|buy)(ping)?\s+(somewhere\s+)?elsewhere\b"
    r"|\btak(e|ing)\s+my\s+(business|money|custom)\s+elsewhere\b"
    r"|\bnever\s+(shop|order|buy)(ing)?\s+(here|from\s+you|with\s+you)?\s*again\b"
    r"|\b(go|going|switch|switching|move|moving)\s+to\s+(a\s+|another\s+)?competitor"
    r"|\bi'?m\s+(leaving|done\s+with\s+(you|this\s+shop))\b"
    r"|注销|销户|再也不(会)?(买|来|光顾|在你们)|不再(购买|光顾|买)|去别(家|的店)|换(一)?家(店)?买",
    re.IGNORECASE,
)


def sentiment_of(parse_data: Mapping[str, Any]) -> Optional[Tuple[str, float]]:
    """``(label, score)`` from the parse result, or None if absent or malformed."""
    sentiment = parse_data.get("sentiment")
    if not isinstance(sentiment, Mapping):
        return None
    label, score = sentiment.get("label"), sentiment.get("score")
    if not isinstance(label, str) or isinstance(score, bool):
        return None
    if not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    return label.strip().lower(), float(score)


def intent_of(parse_data: Mapping[str, Any]) -> Optional[str]:
    intent = parse_data.get("intent")
    if isinstance(intent, Mapping) and isinstance(intent.get("name"), str):
        return str(intent["name"])
    return None


def signals_leaving(parse_data: Mapping[str, Any]) -> bool:
    """Does the message say the customer wants to leave (intent or wording)?"""
    if intent_of(parse_data) in LEAVING_INTENTS:
        return True
    text = parse_data.get("text")
    return isinstance(text, str) and bool(_LEAVING.search(text[:2000]))


def is_bare_answer(parse_data: Mapping[str, Any]) -> bool:
    """A short reply classified as an answer intent (yes / no / an identifier / thanks)."""
    text = parse_data.get("text")
    if intent_of(parse_data) not in ANSWER_INTENTS or not isinstance(text, str):
        return False
    words = len(_LATIN_WORD.findall(text[:200])) + len(_HAN_CHAR.findall(text[:200])) / 2
    return words <= BARE_ANSWER_WORDS


def escalation_reason(
    parse_data: Mapping[str, Any],
    *,
    threshold: float,
    churn_band: Optional[str] = None,
    answering_complaint: bool = False,
) -> Optional[str]:
    """Why this message should go to a human (one of :data:`REASONS`), or None.

    ``answering_complaint``: the customer is describing the problem the complaint form
    asked about; a negative description is expected there and is being taken down, so
    only a *strongly* negative one hands over.
    """
    sentiment = sentiment_of(parse_data)
    if sentiment is not None and not is_bare_answer(parse_data):
        label, score = sentiment
        if label == NEGATIVE and score <= threshold:
            return REASON_NEGATIVE_SENTIMENT
        complaint = intent_of(parse_data) == COMPLAINT_INTENT
        if label == NEGATIVE and complaint and not answering_complaint:
            return REASON_NEGATIVE_COMPLAINT
    band = churn_band.strip().lower() if isinstance(churn_band, str) else None
    if band in HIGH_CHURN_BANDS and signals_leaving(parse_data):
        return REASON_CHURN_RISK
    return None


def priority_for(reason: str, *, churn_band: Optional[str] = None) -> str:
    """Ticket priority of an escalation: unhappy or at-risk customers go first."""
    band = churn_band.strip().lower() if isinstance(churn_band, str) else None
    if reason == REASON_CHURN_RISK or (band in HIGH_CHURN_BANDS):
        return "urgent" if reason in (REASON_NEGATIVE_SENTIMENT, REASON_CHURN_RISK) else "high"
    if reason in (REASON_NEGATIVE_SENTIMENT, REASON_NEGATIVE_COMPLAINT):
        return "high"
    return "normal"


def repeated_fallback(
    user_intents: Sequence[Optional[str]], last_bot_response: Optional[str]
) -> bool:
    """Is this the second misunderstood message in a row (and no offer made since)?

    ``user_intents``: the intents of the conversation's user messages, oldest first;
    ``last_bot_response``: the response name of the bot's latest message.
    """
    if len(user_intents) < 2 or user_intents[-1] != FALLBACK_INTENT:
        return False
    return user_intents[-2] == FALLBACK_INTENT and last_bot_response != OFFER_RESPONSE


def slot_changes(
    reason: Optional[str],
    offer_human: bool,
    slots: Mapping[str, Any],
) -> Dict[str, Any]:
    """The values of ``escalation_reason`` / ``offer_human`` to set (only those that change)."""
    changes: Dict[str, Any] = {}
    if reason != slots.get(REASON_SLOT):
        changes[REASON_SLOT] = reason
    if offer_human != bool(slots.get(OFFER_SLOT)):
        changes[OFFER_SLOT] = offer_human
    return changes
