"""Customer lifetime value (pure functions, no I/O).

Definition (the product spec)::

    CLTV = sum_{t=1..T} R_t / (1 + r)^t

- ``r``: yearly discount rate (default 5 %); ``T``: horizon in years (default 2).
- ``R_t``: expected revenue in year ``t``, estimated from the customer's history as their
  **annualised spend**: ``R = monetary * 365.25 / max(tenure_days, 365)``, where ``tenure``
  runs from their first counted order to the as-of date. The one-year floor stops a
  customer who ordered yesterday from being extrapolated to 365x their basket; a customer
  whose last order is years old gets a small ``R`` because their tenure keeps growing.
- Optional retention decay: ``R_t = R * p^(t-1)`` with a yearly retention probability
  ``p`` (default 1.0 = no decay, i.e. the spec's plain formula).

Example: R = 100 per year, r = 5 %, T = 2 -> 100/1.05 + 100/1.05^2 = 95.24 + 90.70 = 185.94.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence, Union

DEFAULT_RATE = 0.05
DEFAULT_YEARS = 2
MIN_TENURE_DAYS = 365
DAYS_PER_YEAR = 365.25
CENT = Decimal("0.01")


def discounted_value(
    yearly_revenue: Union[float, Sequence[float]],
    *,
    rate: float = DEFAULT_RATE,
    years: int = DEFAULT_YEARS,
    retention: float = 1.0,
) -> float:
    """``sum_{t=1..T} R_t / (1 + rate)^t``.

    ``yearly_revenue`` is either a constant ``R`` (then ``R_t = R * retention^(t-1)``) or
    the sequence ``R_1..R_T`` itself (``years`` and ``retention`` are then ignored).
    """
    if rate <= -1:
        raise ValueError("rate must be greater than -100 %")
    if not 0 <= retention <= 1:
        raise ValueError("retention must be a probability in [0, 1]")
    if isinstance(yearly_revenue, (int, float)):
        if years < 0:
            raise ValueError("years must be >= 0")
        flows = [float(yearly_revenue) * retention ** (t - 1) for t in range(1, years + 1)]
    else:
        flows = [float(v) for v in yearly_revenue]
    return sum(flow / (1 + rate) ** t for t, flow in enumerate(flows, start=1))


def annualised_spend(
    monetary: float,
    first_order_at: datetime,
    as_of: datetime,
    *,
    min_tenure_days: int = MIN_TENURE_DAYS,
) -> float:
    """Expected yearly revenue ``R`` from a customer's total spend and tenure."""
    if monetary <= 0:
        return 0.0
    tenure_days = max((as_of - first_order_at).total_seconds() / 86400, min_tenure_days)
    return float(monetary) * DAYS_PER_YEAR / tenure_days


def customer_cltv(
    monetary: float,
    first_order_at: datetime,
    as_of: datetime,
    *,
    rate: float = DEFAULT_RATE,
    years: int = DEFAULT_YEARS,
    retention: float = 1.0,
) -> Decimal:
    """CLTV of one customer in GBP, rounded to pennies."""
    yearly = annualised_spend(monetary, first_order_at, as_of)
    value = discounted_value(yearly, rate=rate, years=years, retention=retention)
    return to_money(value)


def to_money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
