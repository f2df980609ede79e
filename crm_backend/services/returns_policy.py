"""The shop's returns and refunds policy: constants, eligibility rules and reason categories.

Pure functions and data, no database. The bot's policy answer, the return service and the
e-mailed instructions are all generated from these values, so changing the policy here
changes what customers are told.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, FrozenSet, Optional, Tuple

from crm_backend.models import OrderStatus, ReturnStatus

RETURN_WINDOW_DAYS = 30
"""Days after delivery during which a delivered order's items may be returned."""

SHIP_BACK_DAYS = 14
"""Days the customer has to post the items back once the return is requested."""

RETURN_TRANSIT_DAYS = 7
"""Days we allow for a returned parcel to reach us (used for the expected refund date)."""

REFUND_PROCESSING_DAYS = 5
"""Days to inspect a returned parcel and pay the refund after it arrives."""

BANK_DAYS = 5
"""Days a bank or wallet may take to show a paid refund on the customer's statement."""

MAX_REASON_LENGTH = 500
"""Longest return reason kept (longer text is cut)."""

MAX_RETURN_LINES = 50
"""Most order lines one return request may list."""

RETURN_ADDRESS = (
    "Shop Returns",
    "Unit 4, Example Trade Park",
    "London E1 6AN",
    "United Kingdom",
)
"""Where customers send returned items."""

OPEN_RETURN_STATUSES: FrozenSet[ReturnStatus] = frozenset(
    {ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED}
)
"""Returns still in progress (not refunded, not rejected)."""

RETURN_TRANSITIONS: Dict[ReturnStatus, FrozenSet[ReturnStatus]] = {
    ReturnStatus.REQUESTED: frozenset(
        {ReturnStatus.APPROVED, ReturnStatus.RECEIVED, ReturnStatus.REJECTED}
    ),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.RECEIVED, ReturnStatus.REJECTED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED, ReturnStatus.REJECTED}),
    ReturnStatus.REFUNDED: frozenset(),
    ReturnStatus.REJECTED: frozenset(),
}
"""Allowed return status changes: requested -> approved -> received -> refunded | rejected."""


# --- reasons -------------------------------------------------------------------------

DAMAGED = "damaged"
WRONG_ITEM = "wrong_item"
NOT_AS_DESCRIBED = "not_as_described"
CHANGED_MIND = "changed_mind"
OTHER = "other"

REASON_CATEGORIES: Tuple[str, ...] = (DAMAGED, WRONG_ITEM, NOT_AS_DESCRIBED, CHANGED_MIND, OTHER)
"""Reason categories offered to customers (as buttons in the chat)."""

FREE_RETURN_REASONS: FrozenSet[str] = frozenset({DAMAGED, WRONG_ITEM, NOT_AS_DESCRIBED})
"""Our mistake: we e-mail a prepaid label. Other returns are posted at the customer's cost."""

# Keywords (lower-case, NFKC) in English and Chinese; the first category that matches wins.
_REASON_KEYWORDS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    (
        WRONG_ITEM,
        (
            "wrong item",
            "wrong product",
            "wrong size",
            "wrong colour",
            "wrong color",
            "sent the wrong",
            "not what i ordered",
            "发错",
            "错发",
            "寄错",
            "不是我买的",
            "不是我订的",
        ),
    ),
    (
        DAMAGED,
        (
            "damaged",
            "broken",
            "cracked",
            "smashed",
            "faulty",
            "defective",
            "doesn't work",
            "does not work",
            "not working",
            "torn",
            "坏",
            "破",
            "碎",
            "裂",
            "损",
            "瑕疵",
            "故障",
            "不能用",
            "质量问题",
        ),
    ),
    (
        NOT_AS_DESCRIBED,
        (
            "not as described",
            "different from",
            "doesn't match",
            "does not match",
            "not like the picture",
            "misleading",
            "与描述不符",
            "和描述不符",
            "描述不符",
            "不符",
            "和图片不一样",
            "与图片不符",
            "货不对板",
        ),
    ),
    (
        CHANGED_MIND,
        (
            "changed my mind",
            "change of mind",
            "no longer need",
            "don't need",
            "do not need",
            "don't want",
            "do not want",
            "don't like",
            "not needed",
            "too small",
            "too big",
            "doesn't fit",
            "不想要",
            "不需要",
            "不喜欢",
            "不要了",
            "买多了",
            "不合适",
            "改变主意",
        ),
    ),
)
_OTHER_CHOICES = frozenset({"other", "other reason", "others", "其他", "其它", "其他原因", "别的"})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def classify_reason(text: object) -> str:
    """The reason category of what the customer said (``other`` if nothing matches)."""
    if not isinstance(text, str):
        return OTHER
    folded = _fold(text[: MAX_REASON_LENGTH * 2])
    if folded.strip().replace(" ", "_") in REASON_CATEGORIES:
        return folded.strip().replace(" ", "_")
    for category, words in _REASON_KEYWORDS:
        if any(word in folded for word in words):
            return category
    return OTHER


def is_other_choice(text: object) -> bool:
    """Did the customer pick "other" without saying more (so we should ask for details)?"""
    if not isinstance(text, str) or len(text) > 40:
        return False
    return _fold(text).strip(" .!?。！？") in _OTHER_CHOICES


def clean_reason(text: object) -> Optional[str]:
    """The reason as stored: control characters dropped, whitespace collapsed, bounded.

    None if nothing meaningful is left (no letter or Han character).
    """
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text[: MAX_REASON_LENGTH * 4])
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ")
    text = re.sub(r"\s+", " ", text).strip()[:MAX_REASON_LENGTH]
    if not any(ch.isalpha() for ch in text):
        return None
    return text


# --- eligibility ---------------------------------------------------------------------

OK = "ok"
NOT_SHIPPED = "not_shipped"
NOT_DELIVERED = "not_delivered"
CANCELLED = "cancelled"
ALREADY_RETURNED = "already_returned"
WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class Eligibility:
    """Whether an order can be returned now, and why not."""

    eligible: bool
    reason: str  # ok | not_shipped | not_delivered | cancelled | already_returned | window_closed
    deadline: Optional[datetime]  # last moment to request a return (None before delivery)


def return_deadline(delivered_at: datetime) -> datetime:
    """The last moment a return may be requested for an order delivered at ``delivered_at``."""
    return delivered_at + timedelta(days=RETURN_WINDOW_DAYS)


def order_eligibility(
    status: OrderStatus,
    delivered_at: Optional[datetime],
    returnable_units: int,
    now: datetime,
) -> Eligibility:
    """Apply the policy: delivered, within the window, something left to return."""
    if status in (OrderStatus.PENDING, OrderStatus.PAID):
        return Eligibility(False, NOT_SHIPPED, None)
    if status is OrderStatus.CANCELLED:
        return Eligibility(False, CANCELLED, None)
    if status is OrderStatus.SHIPPED or delivered_at is None:
        return Eligibility(False, NOT_DELIVERED, None)
    deadline = return_deadline(delivered_at)
    if status is OrderStatus.RETURNED or returnable_units <= 0:
        return Eligibility(False, ALREADY_RETURNED, deadline)
    if now > deadline:
        return Eligibility(False, WINDOW_CLOSED, deadline)
    return Eligibility(True, OK, deadline)


def ship_back_by(requested_at: datetime) -> datetime:
    """The date the customer should post the parcel by."""
    return requested_at + timedelta(days=SHIP_BACK_DAYS)


def expected_refund_date(
    refund_created_at: datetime,
    return_status: Optional[ReturnStatus],
    return_updated_at: Optional[datetime],
) -> datetime:
    """When a pending refund should be paid: after the parcel arrives and is inspected."""
    if return_status is ReturnStatus.RECEIVED and return_updated_at is not None:
        return return_updated_at + timedelta(days=REFUND_PROCESSING_DAYS)
    if return_status in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED):
        return refund_created_at + timedelta(days=RETURN_TRANSIT_DAYS + REFUND_PROCESSING_DAYS)
    return refund_created_at + timedelta(days=REFUND_PROCESSING_DAYS)


def can_transition(current: ReturnStatus, new: ReturnStatus) -> bool:
    return new in RETURN_TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class PolicySummary:
    """The numbers customers are told (the bot's policy answer is built from these)."""

    window_days: int = RETURN_WINDOW_DAYS
    ship_back_days: int = SHIP_BACK_DAYS
    processing_days: int = REFUND_PROCESSING_DAYS
    bank_days: int = BANK_DAYS
    return_address: Tuple[str, ...] = RETURN_ADDRESS


def policy_summary() -> PolicySummary:
    return PolicySummary()


def return_reference(return_id: int) -> str:
    """The return (RMA) number customers write on the parcel, e.g. ``RT-000012``."""
    return f"RT-{return_id:06d}"
