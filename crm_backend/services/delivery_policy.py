"""Delivery options and periods per destination region, and the delivery-date estimate.

Pure data and arithmetic (no database). Regions: ``uk``, ``eu``, ``china`` and ``world``
(everywhere else). Prices are GBP; periods are business days (Mon-Fri) after dispatch.
Dispatch: an order paid before the cut-off on a business day leaves the warehouse that
day, otherwise on the next business day. Public holidays are not modelled; the answer
says "business days" and the estimate is a range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Dict, Optional, Tuple

from crm_backend.services.countries import EU_COUNTRIES

UK, EU, CHINA, WORLD = "uk", "eu", "china", "world"
REGIONS: Tuple[str, ...] = (UK, EU, CHINA, WORLD)

STANDARD, EXPRESS, CLICK_AND_COLLECT = "standard", "express", "click_and_collect"
METHODS: Tuple[str, ...] = (STANDARD, EXPRESS, CLICK_AND_COLLECT)

DISPATCH_CUTOFF_HOUR_UTC = 14
"""Orders paid before 14:00 UTC on a business day are dispatched the same day."""


@dataclass(frozen=True)
class DeliveryOption:
    region: str
    method: str
    price: Decimal  # GBP
    min_days: int  # business days after dispatch
    max_days: int
    free_over: Optional[Decimal]  # free delivery for orders of at least this total
    carriers: Tuple[str, ...]


def _option(
    region: str,
    method: str,
    price: str,
    days: Tuple[int, int],
    free_over: Optional[str],
    carriers: Tuple[str, ...],
) -> DeliveryOption:
    return DeliveryOption(
        region=region,
        method=method,
        price=Decimal(price),
        min_days=days[0],
        max_days=days[1],
        free_over=Decimal(free_over) if free_over is not None else None,
        carriers=carriers,
    )


DELIVERY_OPTIONS: Dict[str, Tuple[DeliveryOption, ...]] = {
    UK: (
        _option(UK, STANDARD, "3.95", (2, 4), "40.00", ("Royal Mail", "DPD")),
        _option(UK, EXPRESS, "6.95", (1, 1), None, ("DHL",)),
        _option(UK, CLICK_AND_COLLECT, "0.00", (1, 2), None, ("our London shop",)),
    ),
    EU: (
        _option(EU, STANDARD, "8.95", (5, 8), "75.00", ("Royal Mail International", "DPD")),
        _option(EU, EXPRESS, "15.95", (2, 3), None, ("DHL", "UPS")),
    ),
    CHINA: (
        _option(CHINA, STANDARD, "12.95", (7, 12), "100.00", ("China Post EMS",)),
        _option(CHINA, EXPRESS, "24.95", (4, 6), None, ("SF Express", "DHL")),
    ),
    WORLD: (
        _option(WORLD, STANDARD, "14.95", (7, 14), None, ("Royal Mail International",)),
        _option(WORLD, EXPRESS, "29.95", (3, 5), None, ("DHL", "UPS")),
    ),
}
"""The table the bot answers delivery questions from; one row per region and method."""


def region_for_country(country: Optional[str]) -> Optional[str]:
    """``GB`` -> ``uk``, EU members -> ``eu``, ``CN`` -> ``china``, others -> ``world``."""
    if not country:
        return None
    code = country.upper()
    if code in ("GB", "UK", "IM", "JE", "GG"):
        return UK
    if code in EU_COUNTRIES:
        return EU
    if code == "CN":
        return CHINA
    return WORLD


def options_for(region: str) -> Tuple[DeliveryOption, ...]:
    """The delivery options of ``region`` (ValueError for an unknown region)."""
    if region not in DELIVERY_OPTIONS:
        raise ValueError(f"unknown delivery region {region!r}")
    return DELIVERY_OPTIONS[region]


def option_for(region: str, method: str) -> Optional[DeliveryOption]:
    return next((o for o in options_for(region) if o.method == method), None)


def delivery_price(option: DeliveryOption, order_total: Decimal) -> Decimal:
    """What the option costs for an order of ``order_total`` (free over the threshold)."""
    if option.free_over is not None and order_total >= option.free_over:
        return Decimal("0.00")
    return option.price


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(day: date, days: int) -> date:
    """The business day ``days`` business days after ``day`` (``day`` itself if 0 and it
    is a business day, else the next one)."""
    current = day
    while not is_business_day(current):
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def dispatch_date(paid_at: datetime) -> date:
    """The day an order paid at ``paid_at`` leaves the warehouse."""
    moment = paid_at.astimezone(timezone.utc) if paid_at.tzinfo else paid_at
    day = moment.date()
    if is_business_day(day) and moment.hour < DISPATCH_CUTOFF_HOUR_UTC:
        return day
    return add_business_days(day + timedelta(days=1), 0)


def estimate_delivery(region: str, method: str, paid_at: datetime) -> Tuple[date, date]:
    """Earliest and latest delivery dates for an order paid at ``paid_at``.

    Raises:
        ValueError: unknown region, or a method not offered in that region.
    """
    option = option_for(region, method)
    if option is None:
        raise ValueError(f"{method!r} delivery is not offered for {region!r}")
    start = dispatch_date(paid_at)
    return add_business_days(start, option.min_days), add_business_days(start, option.max_days)
