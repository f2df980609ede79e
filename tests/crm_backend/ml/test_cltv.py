"""CLTV = sum_{t=1..T} R_t / (1 + r)^t and the annualised-spend estimate of R."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from crm_backend.ml.cltv import annualised_spend, customer_cltv, discounted_value

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)


def test_spec_example_100_per_year_5_percent_2_years():
    # 100/1.05 + 100/1.05^2 = 95.238 + 90.703
    assert round(discounted_value(100, rate=0.05, years=2), 2) == 185.94
    assert round(discounted_value(100), 2) == 185.94  # the defaults are r = 5 %, T = 2


def test_explicit_yearly_revenues_and_the_190_48_figure():
    # 190.48 = 200 / 1.05: what the formula gives when R_2 = 105 (revenue growing 5 %/year),
    # not for a flat 100 per year (see test above).
    assert round(discounted_value([100, 105], rate=0.05), 2) == 190.48
    assert discounted_value([]) == 0
    assert round(discounted_value([50.0]), 2) == 47.62


def test_retention_decay_and_edge_cases():
    assert round(discounted_value(100, retention=0.5), 2) == round(100 / 1.05 + 50 / 1.05**2, 2)
    assert discounted_value(100, years=0) == 0
    assert round(discounted_value(100, rate=0.0, years=3), 2) == 300.0
    for bad in ({"rate": -1.0}, {"retention": 1.5}, {"years": -1}):
        with pytest.raises(ValueError):
            discounted_value(100, **bad)


def test_annualised_spend_has_a_one_year_floor():
    assert annualised_spend(500, NOW - timedelta(days=10), NOW) == pytest.approx(500.34, 0.01)
    assert annualised_spend(500, NOW - timedelta(days=730.5), NOW) == pytest.approx(250)
    assert annualised_spend(0, NOW - timedelta(days=10), NOW) == 0
    assert annualised_spend(-5, NOW - timedelta(days=10), NOW) == 0


def test_customer_cltv_in_pennies():
    value = customer_cltv(730.5, NOW - timedelta(days=730.5), NOW)  # 365.25 per year
    assert isinstance(value, Decimal)
    assert value == Decimal(str(round(discounted_value(365.25), 2)))
