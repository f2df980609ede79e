"""The agents' queue operations on tickets (claim, assign, note, resolve, hand back), on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from crm_backend.errors import Conflict, InvalidState, NotFound, ValidationError
from crm_backend.models import (
    StaffRole,
    StaffUser,
    Ticket,
    TicketKind,
    TicketPriority,
    TicketStatus,
    utcnow,
)
from crm_backend.services import tickets

HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x")


@pytest.fixture
def staff(uow_factory):
    with uow_factory() as uow:
        people = [
            StaffUser(
                username="sam",
                display_name="Sam (Support)",
                password_hash=HASH,
                role=StaffRole.AGENT,
                active=True,
            ),
            StaffUser(
                username="kim",
                display_name="Kim",
                password_hash=HASH,
                role=StaffRole.AGENT,
                active=True,
            ),
            StaffUser(
                username="boss",
                display_name="Boss",
                password_hash=HASH,
                role=StaffRole.ADMIN,
                active=True,
            ),
            StaffUser(
                username="gone",
                display_name="Gone",
                password_hash=HASH,
                role=StaffRole.AGENT,
                active=False,
            ),
        ]
        uow.session.add_all(people)
        uow.commit()
        return {p.username: p.id for p in people}


def add_ticket(
    uow_factory,
    *,
    priority=TicketPriority.NORMAL,
    age_minutes=0,
    kind=TicketKind.ESCALATION,
    status=TicketStatus.OPEN,
    conversation="c1",
) -> int:
    with uow_factory() as uow:
        ticket = Ticket(
            kind=kind,
            subject="Chat handoff",
            priority=priority,
            status=status,
            conversation_id=conversation,
            tags=[],
            created_at=utcnow() - timedelta(minutes=age_minutes),
        )
        uow.tickets.add(ticket)
        uow.commit()
        return int(ticket.id)


def test_queue_is_ordered_by_priority_then_waiting_time(uow_factory):
    newer_normal = add_ticket(uow_factory, age_minutes=1, conversation="a")
    older_normal = add_ticket(uow_factory, age_minutes=30, conversation="b")
    urgent = add_ticket(
        uow_factory, priority=TicketPriority.URGENT, age_minutes=0, conversation="c"
    )
    high = add_ticket(uow_factory, priority=TicketPriority.HIGH, age_minutes=5, conversation="d")
    low = add_ticket(uow_factory, priority=TicketPriority.LOW, age_minutes=60, conversation="e")
    add_ticket(uow_factory, kind=TicketKind.SUPPORT, conversation="f")  # not a live handoff
    add_ticket(uow_factory, status=TicketStatus.RESOLVED, conversation="g")  # done
    order = [v.id for v in tickets.list_queue(uow_factory())]
    assert order == [urgent, high, older_normal, newer_normal, low]
    assert tickets.waiting_count(uow_factory()) == 5


def test_claim_assigns_and_a_second_agent_is_refused(uow_factory, staff):
    ticket_id = add_ticket(uow_factory)
    view = tickets.claim(uow_factory(), ticket_id, staff["sam"])
    assert view.status == "assigned" and view.assignee_name == "Sam (Support)"
    assert tickets.claim(uow_factory(), ticket_id, staff["sam"]).assignee_id == staff["sam"]
    with pytest.raises(Conflict, match="Sam"):
        tickets.claim(uow_factory(), ticket_id, staff["kim"])
    assert tickets.waiting_count(uow_factory()) == 0
    assert [v.status for v in tickets.list_queue(uow_factory())] == ["assigned"]


def test_claim_errors(uow_factory, staff):
    with pytest.raises(NotFound):
        tickets.claim(uow_factory(), 999_999, staff["sam"])
    ticket_id = add_ticket(uow_factory, status=TicketStatus.RESOLVED)
    with pytest.raises(InvalidState):
        tickets.claim(uow_factory(), ticket_id, staff["sam"])
    open_id = add_ticket(uow_factory, conversation="c2")
    with pytest.raises(NotFound):
        tickets.claim(uow_factory(), open_id, staff["gone"])  # deactivated account


def test_assign_moves_the_ticket_to_another_agent(uow_factory, staff):
    ticket_id = add_ticket(uow_factory)
    tickets.claim(uow_factory(), ticket_id, staff["sam"])
    view = tickets.assign(uow_factory(), ticket_id, staff["kim"], by_staff_id=staff["boss"])
    assert view.assignee_id == staff["kim"] and view.status == "assigned"


def test_notes_are_signed_and_appended(uow_factory, staff):
    ticket_id = add_ticket(uow_factory)
    tickets.add_note(uow_factory(), ticket_id, staff["sam"], "Customer <b>angry</b>")
    view = tickets.add_note(uow_factory(), ticket_id, staff["kim"], "Called back")
    lines = (view.notes or "").splitlines()
    assert len(lines) == 2 and "Sam (Support): Customer <b>angry</b>" in lines[0]
    assert lines[1].endswith("Kim: Called back")
    with pytest.raises(ValidationError):
        tickets.add_note(uow_factory(), ticket_id, staff["sam"], "   ")


def test_resolve_needs_a_note_and_cleans_tags(uow_factory, staff):
    ticket_id = add_ticket(uow_factory)
    tickets.claim(uow_factory(), ticket_id, staff["sam"])
    with pytest.raises(ValidationError):
        tickets.resolve(uow_factory(), ticket_id, staff["sam"], note=" ", tags=["x"])
    view = tickets.resolve(
        uow_factory(),
        ticket_id,
        staff["sam"],
        note="Refund issued",
        tags=[" Refund ", "refund", "<script>", "送货"],
    )
    assert view.status == "resolved" and view.resolved_at is not None
    assert view.tags == ("refund", "script", "送货")
    assert tickets.list_queue(uow_factory()) == []
    with pytest.raises(InvalidState):
        tickets.resolve(uow_factory(), ticket_id, staff["sam"], note="again")
    with pytest.raises(ValidationError):
        tickets.clean_tags([f"t{i}" for i in range(20)])


def test_hand_back_closes_the_ticket(uow_factory, staff):
    ticket_id = add_ticket(uow_factory)
    tickets.claim(uow_factory(), ticket_id, staff["sam"])
    view = tickets.hand_back(uow_factory(), ticket_id, staff["sam"])
    assert view.status == "closed" and "handed_back" in view.tags
    assert "Handed back to the bot." in (view.notes or "")
    assert tickets.ticket_for_conversation(uow_factory(), "c1").id == ticket_id
    with pytest.raises(InvalidState):
        tickets.hand_back(uow_factory(), ticket_id, staff["sam"])
