"""Signing up in chat: the same result whether or not the address is registered; the
owner of a registered address is e-mailed instead of getting a second account."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from crm_backend.errors import ValidationError
from crm_backend.models import Customer, Language, Ticket, utcnow
from crm_backend.services import passwords
from crm_backend.services.registration import SignUpResult, sign_up
from crm_backend.services.throttle import RateLimited
from tests.crm_backend.services.account_support import add_customer, audit, outbox


def customers(uow_factory, email: str):
    with uow_factory() as uow:
        stmt = select(Customer.name).where(Customer.email == email)
        return list(uow.session.execute(stmt).scalars())


def test_registered_and_new_addresses_get_the_same_result(uow_factory):
    add_customer(uow_factory)
    taken = sign_up(uow_factory(), name="Mallory", email="ALICE@example.com", newsletter=True)
    free = sign_up(uow_factory(), name="Mallory", email="mallory@example.com", newsletter=True)
    assert taken == SignUpResult(name="Mallory", email="alice@example.com")
    assert free == SignUpResult(name="Mallory", email="mallory@example.com")
    assert replace(taken, email="<e>") == replace(free, email="<e>")
    # only the inboxes differ
    assert [(m.recipient, m.template) for m in outbox(uow_factory)] == [
        ("alice@example.com", "account_exists"),
        ("mallory@example.com", "welcome"),
    ]
    assert customers(uow_factory, "alice@example.com") == ["Alice Smith"], "no second account"
    assert customers(uow_factory, "mallory@example.com") == ["Mallory"]


def test_new_address_gets_the_account_and_a_welcome_email(uow_factory):
    result = sign_up(
        uow_factory(), name=" 李  华 ", email="Li.Hua@Example.cn", language="zh", newsletter=True
    )
    assert result == SignUpResult(name="李 华", email="li.hua@example.cn")
    with uow_factory() as uow:
        customer = uow.customers.get_by_email("li.hua@example.cn")
        assert customer.preferred_language == Language.ZH and customer.newsletter is True
    [mail] = outbox(uow_factory)
    assert mail.template == "welcome" and "欢迎" in mail.subject
    assert [row.action for row in audit(uow_factory, "customer.")] == ["customer.created"]


def test_owner_of_a_registered_address_is_offered_a_password_reset(uow_factory):
    alice = add_customer(uow_factory)
    sign_up(uow_factory(), name="Alice", email="alice@example.com", language="zh")
    [mail] = outbox(uow_factory)
    assert mail.recipient == "alice@example.com" and "已经关联了您的礼品店账户" in mail.body
    token = re.search(r"reset-password\?token=([A-Za-z0-9_\-]+)", mail.body).group(1)
    assert passwords.redeem_reset_token(uow_factory(), token) == alice


def test_address_held_by_a_deleted_account_goes_to_support_by_email(uow_factory):
    add_customer(uow_factory, active=False)
    result = sign_up(uow_factory(), name="Alice", email="alice@example.com")
    assert result == SignUpResult(name="Alice", email="alice@example.com")
    with uow_factory() as uow:
        [(ticket_id, notes)] = list(uow.session.execute(select(Ticket.id, Ticket.notes)))
    assert "deleted account" in notes
    [mail] = outbox(uow_factory)
    assert mail.template == "registration_ticket" and f"T-{ticket_id:06d}" in mail.body


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "<b>", "email": "x@example.com"}, "name"),
        ({"name": "Ann", "email": "not-an-address"}, "email"),
        ({"name": "Ann", "email": "x@example.com", "language": "fr"}, "preferred_language"),
    ],
)
def test_invalid_details_are_refused_before_anything_is_stored(uow_factory, fields, field):
    with pytest.raises(ValidationError) as raised:
        sign_up(uow_factory(), **fields)
    assert raised.value.field == field
    with uow_factory() as uow:
        assert uow.session.execute(select(func.count(Customer.id))).scalar_one() == 0
    assert outbox(uow_factory) == []


def test_rate_limit_is_the_same_for_registered_and_new_addresses(uow_factory):
    add_customer(uow_factory)
    now = utcnow()
    for email in ("alice@example.com", "nobody@example.com"):
        for _ in range(3):
            sign_up(uow_factory(), name="Eve", email=email, now=now)
        with pytest.raises(RateLimited):
            sign_up(uow_factory(), name="Eve", email=email, now=now)
    # nobody@ got its account the first time; later attempts are "registered" ones
    assert len(outbox(uow_factory, "account_exists")) == 5
    assert len(outbox(uow_factory, "welcome")) == 1
