"""Order-change policy: when an order may still be changed or cancelled, and at what cost.

Pure rules and constants, no database: the services apply them, the bot quotes them (the
``check_cancellation_fee`` answer is built from these numbers, never typed into a response).
All money is GBP, the shop's currency; fees are rounded half-up to the penny.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import FrozenSet, Optional

from crm_backend.models import OrderStatus

CHANGEABLE_STATUSES: FrozenSet[OrderStatus] = frozenset({OrderStatus.PENDING, OrderStatus.PAID})
"""An order can be cancelled, re-addressed or have its items changed only before it ships:
while it waits for payment (``pending``) or is paid and being prepared (``paid``)."""

FREE_CANCELLATION_WINDOW = timedelta(hours=24)
"""A paid order cancelled at most this long after its payment costs nothing (the boundary
itself, exactly 24 h after payment, is still free). A pending order is always free."""

CANCELLATION_FEE_RATE = Decimal("0.05")
"""After the free window the fee is this share of the order total (5 %) ..."""

CANCELLATION_FEE_MIN = Decimal("2.00")
"""... but at least £2.00 (covers payment-processing costs on small orders) ..."""

CANCELLATION_FEE_MAX = Decimal("10.00")
"""... and at most £10.00. The fee never exceeds the order total (no negative refunds)."""

FEE_CURRENCY = "GBP"
_PENNY = Decimal("0.01")


def is_changeable(status: object) -> bool:
    """May an order in ``status`` still be cancelled or changed?"""
    return status in CHANGEABLE_STATUSES


def free_cancellation_until(status: object, paid_at: Optional[datetime]) -> Optional[datetime]:
    """When free cancellation ends: None for a pending order (free until it is paid) or
    an order that is not changeable any more."""
    if status == OrderStatus.PAID and paid_at is not None:
        return paid_at + FREE_CANCELLATION_WINDOW
    return None


def cancellation_fee(
    status: object, total: Decimal, paid_at: Optional[datetime], now: datetime
) -> Decimal:
    """The fee for cancelling an order now (see the constants above).

    Raises:
        ValueError: the order is not changeable (callers check :func:`is_changeable`).
    """
    if not is_changeable(status):
        raise ValueError(f"an order in status {status!r} cannot be cancelled")
    total = Decimal(total).quantize(_PENNY)
    if status == OrderStatus.PENDING or paid_at is None:
        return Decimal("0.00")
    if now - paid_at <= FREE_CANCELLATION_WINDOW:
        return Decimal("0.00")
    fee = (total * CANCELLATION_FEE_RATE).quantize(_PENNY, rounding=ROUND_HALF_UP)
    fee = min(max(fee, CANCELLATION_FEE_MIN), CANCELLATION_FEE_MAX)
    return min(fee, total)
