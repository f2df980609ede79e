"""Opening tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_backend.errors import ValidationError
from crm_backend.models import Ticket, TicketKind, TicketPriority
from crm_backend.services.tickets import open_ticket, ticket_reference


def test_open_ticket_commits_a_clean_open_ticket(uow_factory):
    view = open_ticket(
        uow_factory(),
        kind=TicketKind.PAYMENT,
        subject="  Card charged twice\x00 ",
        reason="payment_issue",
        priority=TicketPriority.HIGH,
        conversation_id="conv-1",
        notes="<script>alert(1)</script>",
    )
    assert view.reference == ticket_reference(view.id) and view.status == "open"
    assert view.subject == "Card charged twice"
    with uow_factory() as uow:
        stored = uow.session.execute(select(Ticket)).scalar_one()
        assert stored.notes == "<script>alert(1)</script>", "stored as text, escaped on output"
        assert stored.priority == TicketPriority.HIGH and stored.conversation_id == "conv-1"


@pytest.mark.parametrize("subject", ["", "   ", "\x00\x01"])
def test_ticket_needs_a_subject(uow_factory, subject):
    with pytest.raises(ValidationError):
        open_ticket(uow_factory(), kind=TicketKind.SUPPORT, subject=subject)
    with uow_factory() as uow:
        assert uow.session.execute(select(Ticket)).first() is None


def test_long_fields_are_bounded(uow_factory):
    view = open_ticket(
        uow_factory(), kind=TicketKind.COMPLAINT, subject="x" * 1000, notes="y" * 10**5
    )
    assert len(view.subject) == 200
