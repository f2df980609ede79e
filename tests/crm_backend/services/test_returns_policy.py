"""The returns policy: reason categories, eligibility rules, dates (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crm_backend.models import OrderStatus, ReturnStatus
from crm_backend.services import returns_policy as policy

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
D = timedelta(days=1)


@pytest.mark.parametrize(
    "text, category",
    [
        ("Damaged", "damaged"),
        ("商品损坏", "damaged"),
        ("the glass was cracked", "damaged"),
        ("收到就是碎的", "damaged"),
        ("Wrong item", "wrong_item"),
        ("发错商品", "wrong_item"),
        ("you sent the wrong colour", "wrong_item"),
        ("Not as described", "not_as_described"),
        ("与描述不符", "not_as_described"),
        ("Changed my mind", "changed_mind"),
        ("不想要了", "changed_mind"),
        ("too small for my desk", "changed_mind"),
        ("not_as_described", "not_as_described"),
        ("something else entirely", "other"),
        ("", "other"),
        (None, "other"),
        ("x" * 100_000, "other"),
    ],
)
def test_classify_reason(text, category):
    assert policy.classify_reason(text) == category


@pytest.mark.parametrize("text", ["Other", "other.", "其他原因", "其他", " OTHER "])
def test_other_choice(text):
    assert policy.is_other_choice(text)


@pytest.mark.parametrize("text", ["other colour was nicer", "坏了", "", None, "o" * 100])
def test_not_other_choice(text):
    assert not policy.is_other_choice(text)


def test_clean_reason():
    assert policy.clean_reason("  broken\x00\n  lid ") == "broken lid"
    assert policy.clean_reason("坏了") == "坏了"
    assert policy.clean_reason("😀 !!") is None
    assert len(policy.clean_reason("a" * 10_000) or "") == policy.MAX_REASON_LENGTH


@pytest.mark.parametrize(
    "status, delivered, units, reason",
    [
        (OrderStatus.PENDING, None, 1, "not_shipped"),
        (OrderStatus.PAID, None, 1, "not_shipped"),
        (OrderStatus.SHIPPED, None, 1, "not_delivered"),
        (OrderStatus.CANCELLED, None, 1, "cancelled"),
        (OrderStatus.DELIVERED, None, 1, "not_delivered"),
        (OrderStatus.DELIVERED, NOW - 5 * D, 0, "already_returned"),
        (OrderStatus.RETURNED, NOW - 5 * D, 2, "already_returned"),
        (OrderStatus.DELIVERED, NOW - 31 * D, 1, "window_closed"),
        (OrderStatus.DELIVERED, NOW - 30 * D, 1, "ok"),
        (OrderStatus.DELIVERED, NOW, 1, "ok"),
    ],
)
def test_order_eligibility(status, delivered, units, reason):
    result = policy.order_eligibility(status, delivered, units, NOW)
    assert result.reason == reason and result.eligible == (reason == "ok")
    if delivered is not None and status is not OrderStatus.SHIPPED:
        assert result.deadline == delivered + policy.RETURN_WINDOW_DAYS * D


def test_expected_refund_dates():
    created = NOW
    waiting = policy.expected_refund_date(created, ReturnStatus.REQUESTED, None)
    assert waiting == created + (policy.RETURN_TRANSIT_DAYS + policy.REFUND_PROCESSING_DAYS) * D
    arrived = NOW + 2 * D
    assert policy.expected_refund_date(created, ReturnStatus.RECEIVED, arrived) == (
        arrived + policy.REFUND_PROCESSING_DAYS * D
    )
    assert policy.expected_refund_date(created, None, None) == (
        created + policy.REFUND_PROCESSING_DAYS * D
    )


def test_transitions_follow_the_lifecycle():
    assert policy.can_transition(ReturnStatus.REQUESTED, ReturnStatus.APPROVED)
    assert policy.can_transition(ReturnStatus.RECEIVED, ReturnStatus.REFUNDED)
    assert not policy.can_transition(ReturnStatus.REQUESTED, ReturnStatus.REFUNDED)
    assert not any(policy.can_transition(ReturnStatus.REFUNDED, s) for s in ReturnStatus)
    assert not any(policy.can_transition(ReturnStatus.REJECTED, s) for s in ReturnStatus)


def test_summary_comes_from_the_constants():
    summary = policy.policy_summary()
    assert summary.window_days == policy.RETURN_WINDOW_DAYS == 30
    assert summary.processing_days == policy.REFUND_PROCESSING_DAYS
    assert policy.return_reference(12) == "RT-000012"
