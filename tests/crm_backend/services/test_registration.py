"""Sign-up problems in chat: the answer never tells whether an address has an account.

The chat-visible result is the same for a registered and an unknown address; only the
outbox (the address owner's inbox) differs: a password-reset offer, or a ticket reference.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from crm_backend.models import Language, Ticket, TicketKind, utcnow
from crm_backend.services import passwords
from crm_backend.services.registration import (
    EMAILED,
    INVALID_EMAIL,
    RegistrationDiagnosis,
    diagnose_registration,
)
from crm_backend.services.throttle import RateLimited
from tests.crm_backend.services.account_support import add_customer, audit, outbox


def tickets(uow_factory):
    with uow_factory() as uow:
        rows = list(uow.session.execute(select(Ticket)).scalars())
        uow.session.expunge_all()
        return rows


def reset_token(body: str) -> str:
    match = re.search(r"/account/reset-password\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def anonymous(result: RegistrationDiagnosis) -> RegistrationDiagnosis:
    return replace(result, email="<address>")


def test_registered_and_unknown_addresses_get_the_same_answer(uow_factory):
    add_customer(uow_factory)
    registered = diagnose_registration(uow_factory(), "ALICE@example.com", description="error")
    unknown = diagnose_registration(uow_factory(), "new@example.com", description="error")
    assert registered == RegistrationDiagnosis(outcome=EMAILED, email="alice@example.com")
    assert unknown == RegistrationDiagnosis(outcome=EMAILED, email="new@example.com")
    assert anonymous(registered) == anonymous(unknown)
    # the difference is only in each owner's inbox
    assert [(m.recipient, m.template) for m in outbox(uow_factory)] == [
        ("alice@example.com", "account_exists"),
        ("new@example.com", "registration_ticket"),
    ]


def test_registered_address_is_offered_a_password_reset_by_email(uow_factory):
    alice = add_customer(uow_factory)
    diagnose_registration(uow_factory(), "Alice@Example.com", base_url="https://shop.example")
    [mail] = outbox(uow_factory)
    assert mail.recipient == "alice@example.com" and mail.template == "account_exists"
    assert "Alice Smith" in mail.body and "already belongs to your Gift Shop account" in mail.body
    token = reset_token(mail.body)
    assert token not in str(mail.payload), "the link stays out of the mailer's payload"
    assert passwords.redeem_reset_token(uow_factory(), token) == alice
    assert tickets(uow_factory) == []


def test_unknown_address_gets_a_ticket_whose_reference_is_only_emailed(uow_factory):
    result = diagnose_registration(
        uow_factory(),
        "new@example.com",
        description="the sign-up page says error 500\x00",
        conversation_id="conv-9",
        language="zh",
    )
    assert "T-" not in str(result), "the reference is not shown in chat"
    [ticket] = tickets(uow_factory)
    assert ticket.kind == TicketKind.SUPPORT and ticket.reason == "registration_problem"
    assert "new@example.com" in ticket.notes and "error 500" in ticket.notes
    assert ticket.conversation_id == "conv-9" and "\x00" not in ticket.notes
    [mail] = outbox(uow_factory)
    assert mail.recipient == "new@example.com" and mail.template == "registration_ticket"
    assert f"T-{ticket.id:06d}" in mail.subject and "客服" in mail.body


@pytest.mark.parametrize("email", ["", "alice@", "alice example.com", "x" * 400, None, 42])
def test_invalid_address_is_explained(uow_factory, email):
    assert diagnose_registration(uow_factory(), email) == RegistrationDiagnosis(INVALID_EMAIL)
    assert tickets(uow_factory) == [] and outbox(uow_factory) == []


def test_address_of_a_deleted_account_goes_to_support(uow_factory):
    add_customer(uow_factory, active=False)
    result = diagnose_registration(uow_factory(), "alice@example.com", description="x" * 10**5)
    assert result == RegistrationDiagnosis(outcome=EMAILED, email="alice@example.com")
    [ticket] = tickets(uow_factory)
    assert "deleted account" in ticket.notes and len(ticket.notes) <= 5000
    assert [m.template for m in outbox(uow_factory)] == ["registration_ticket"]


def test_rate_limit_is_the_same_for_registered_and_unknown_addresses(uow_factory):
    add_customer(uow_factory, language=Language.ZH)
    now = utcnow()
    for email in ("alice@example.com", "nobody@example.com"):
        for _ in range(3):
            diagnose_registration(uow_factory(), email, now=now)
        with pytest.raises(RateLimited):
            diagnose_registration(uow_factory(), email, now=now)
    assert len(outbox(uow_factory, "account_exists")) == 3
    assert len(outbox(uow_factory, "registration_ticket")) == len(tickets(uow_factory)) == 3
    assert "@" not in str([(row.entity_id, row.details) for row in audit(uow_factory)])
