"""Diagnosing sign-up problems."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_backend.models import Ticket, TicketKind
from crm_backend.services.registration import (
    ALREADY_REGISTERED,
    INVALID_EMAIL,
    TICKET_OPENED,
    diagnose_registration,
)
from tests.crm_backend.services.account_support import add_customer


def tickets(uow_factory):
    with uow_factory() as uow:
        rows = list(uow.session.execute(select(Ticket)).scalars())
        uow.session.expunge_all()
        return rows


def test_registered_address_suggests_a_password_reset(uow_factory):
    add_customer(uow_factory)
    result = diagnose_registration(uow_factory(), "ALICE@example.com")
    assert result.outcome == ALREADY_REGISTERED and result.ticket_reference is None
    assert tickets(uow_factory) == []


@pytest.mark.parametrize("email", ["", "alice@", "alice example.com", "x" * 400, None, 42])
def test_invalid_address_is_explained(uow_factory, email):
    assert diagnose_registration(uow_factory(), email).outcome == INVALID_EMAIL
    assert tickets(uow_factory) == []


def test_otherwise_a_support_ticket_is_opened(uow_factory):
    result = diagnose_registration(
        uow_factory(),
        "new@example.com",
        description="the sign-up page says error 500\x00",
        conversation_id="conv-9",
    )
    assert result.outcome == TICKET_OPENED and result.ticket_reference.startswith("T-")
    [ticket] = tickets(uow_factory)
    assert ticket.kind == TicketKind.SUPPORT and ticket.reason == "registration_problem"
    assert "new@example.com" in ticket.notes and "error 500" in ticket.notes
    assert ticket.conversation_id == "conv-9" and "\x00" not in ticket.notes


def test_address_of_a_deleted_account_goes_to_support(uow_factory):
    add_customer(uow_factory, active=False)
    result = diagnose_registration(uow_factory(), "alice@example.com", description="x" * 10**5)
    assert result.outcome == TICKET_OPENED
    [ticket] = tickets(uow_factory)
    assert "deleted account" in ticket.notes and len(ticket.notes) <= 5000
