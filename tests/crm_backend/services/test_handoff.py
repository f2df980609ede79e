"""Opening a live handoff: support hours, queue limit, wait estimate, follow-up e-mail,
CSAT; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import (
    Customer,
    Interaction,
    Language,
    OutboxMessage,
    Ticket,
    TicketKind,
    TicketStatus,
)
from crm_backend.services import handoff
from crm_backend.services.handoff import (
    HandoffPolicy,
    expected_wait_minutes,
    parse_support_hours,
    request_handoff,
)

ALWAYS = parse_support_hours("00:00-24:00", "0-6", "Europe/London")
# Wednesday 25 Nov 2026, 12:00 UTC = 12:00 in London
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def policy(**kwargs) -> HandoffPolicy:
    return HandoffPolicy(hours=kwargs.pop("hours", ALWAYS), **kwargs)


@pytest.fixture
def alice(uow_factory) -> int:
    with uow_factory() as uow:
        customer = Customer(
            name="Alice Smith",
            email="alice@example.com",
            phone="+44 7700 900123",
            preferred_language=Language.EN,
            country="GB",
        )
        uow.customers.add(customer)
        uow.flush()
        uow.scores.upsert(customer.id, churn_band="high", churn_score=0.9)
        uow.commit()
        return int(customer.id)


def test_support_hours():
    office = parse_support_hours("09:00-18:00", "0-4", "Europe/London")
    assert office.is_open(NOON)
    assert not office.is_open(datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc))
    assert not office.is_open(datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc))  # Saturday
    summer = datetime(2026, 7, 1, 8, 30, tzinfo=timezone.utc)  # 09:30 BST
    assert office.is_open(summer)
    assert parse_support_hours("08:00-20:00", "0,2,4", "Asia/Shanghai").days == {0, 2, 4}
    for hours, days, zone in [
        ("9-18", "0-4", "UTC"),
        ("09:00-25:00", "0-4", "UTC"),
        ("09:00-18:00", "0-9", "UTC"),
        ("09:00-18:00", "x", "UTC"),
        ("09:00-18:00", "0-4", "Mars/Base"),
    ]:
        with pytest.raises(ValueError):
            parse_support_hours(hours, days, zone)


def test_expected_wait():
    assert expected_wait_minutes(0, 6) == 1
    assert expected_wait_minutes(3, 6) == 18
    assert expected_wait_minutes(2, 2.5) == 5


def test_handoff_opens_an_escalation_and_marks_the_interaction(uow_factory, alice):
    outcome = request_handoff(
        uow_factory(),
        conversation_id="conv-1",
        reason="customer_request",
        policy=policy(),
        identity="ALICE@example.com ",
        language="en",
        summary="Chat handoff: I want a person",
        now=NOON,
    )
    assert outcome.available and not outcome.already_open
    assert outcome.position == 1 and outcome.wait_minutes == 1
    assert outcome.ticket.kind == "escalation" and outcome.ticket.customer_id == alice
    assert outcome.ticket.priority == "high", "a high churn risk customer goes first"
    with uow_factory() as uow:
        row = uow.interactions.get_by_conversation_id("conv-1")
        assert row is not None and row.handoff and row.customer_id == alice
    second = request_handoff(
        uow_factory(),
        conversation_id="conv-2",
        reason="negative_sentiment",
        policy=policy(minutes_per_case=5),
        now=NOON,
    )
    assert second.position == 2 and second.wait_minutes == 5
    assert second.ticket.customer_id is None and second.ticket.priority == "high"
    again = request_handoff(
        uow_factory(),
        conversation_id="conv-1",
        reason="customer_request",
        policy=policy(),
        now=NOON,
    )
    assert again.already_open and again.ticket.id == outcome.ticket.id and again.position == 1
    with uow_factory() as uow:
        assert len(uow.session.execute(select(Ticket)).scalars().all()) == 2


def test_outside_hours_leaves_a_follow_up_ticket_and_email(uow_factory, alice):
    closed = parse_support_hours("09:00-10:00", "0-4", "Europe/London")
    outcome = request_handoff(
        uow_factory(),
        conversation_id="conv-3",
        reason="customer_request",
        policy=policy(hours=closed),
        customer_id=alice,
        language="zh",
        now=NOON,
    )
    assert not outcome.available and outcome.unavailable_reason == "closed"
    assert outcome.follow_up_email and outcome.ticket.kind == "support"
    with uow_factory() as uow:
        mail = uow.session.execute(select(OutboxMessage)).scalar_one()
        assert mail.recipient == "alice@example.com" and outcome.ticket.reference in mail.body
        assert "工单" in mail.body
    anonymous = request_handoff(
        uow_factory(),
        conversation_id="conv-4",
        reason="customer_request",
        policy=policy(hours=closed),
        now=NOON,
    )
    assert not anonymous.available and not anonymous.follow_up_email
    # an address typed into the chat (unverified) links the ticket for the agent, but no
    # e-mail goes out and the answer is the anonymous one: nothing tells it has an account
    typed = request_handoff(
        uow_factory(),
        conversation_id="conv-5",
        reason="customer_request",
        policy=policy(hours=closed),
        identity="alice@example.com",
        now=NOON,
    )
    assert not typed.follow_up_email and typed.ticket.customer_id == alice
    with uow_factory() as uow:
        assert len(uow.session.execute(select(OutboxMessage)).scalars().all()) == 1


def test_full_queue_is_busy(uow_factory):
    for n in range(2):
        request_handoff(
            uow_factory(),
            conversation_id=f"q{n}",
            reason="customer_request",
            policy=policy(max_queue=2),
            now=NOON,
        )
    busy = request_handoff(
        uow_factory(),
        conversation_id="q3",
        reason="customer_request",
        policy=policy(max_queue=2),
        now=NOON,
    )
    assert not busy.available and busy.unavailable_reason == "busy"


@pytest.mark.parametrize("conversation, reason", [("", "customer_request"), ("c", "whim")])
def test_bad_input(uow_factory, conversation, reason):
    with pytest.raises(ValidationError):
        request_handoff(
            uow_factory(), conversation_id=conversation, reason=reason, policy=policy(), now=NOON
        )


def test_csat_only_for_a_resolved_handoff(uow_factory, alice):
    outcome = request_handoff(
        uow_factory(),
        conversation_id="conv-5",
        reason="customer_request",
        policy=policy(),
        identity="alice@example.com",
        now=NOON,
    )
    with pytest.raises(InvalidState):
        handoff.record_csat(uow_factory(), "conv-5", 5)
    with pytest.raises(NotFound):
        handoff.record_csat(uow_factory(), "someone-else", 5)
    with uow_factory() as uow:
        ticket = uow.tickets.get(outcome.ticket.id)
        ticket.status = TicketStatus.RESOLVED
        uow.commit()
    for bad in (0, 6, "five", True, None):
        with pytest.raises(ValidationError):
            handoff.record_csat(uow_factory(), "conv-5", bad)
    assert handoff.record_csat(uow_factory(), "conv-5", "4") == 4
    assert handoff.record_csat(uow_factory(), "conv-5", 5) == 5
    with uow_factory() as uow:
        rows = uow.session.execute(select(Interaction)).scalars().all()
        assert [(r.conversation_id, r.csat) for r in rows] == [("conv-5", 5)]


def test_churn_band_lookup(uow_factory, alice):
    assert handoff.churn_band_for(uow_factory(), identity="alice@example.com") == "high"
    assert handoff.churn_band_for(uow_factory(), identity="nobody@example.com") is None
    assert handoff.churn_band_for(uow_factory(), customer_id=alice) == "high"
    assert TicketKind.ESCALATION  # enum import used by readers of this test
