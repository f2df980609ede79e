"""Signing up in chat: the address is confirmed with a one-time code before the account
exists, and the chat sees the same whether or not the address is registered; the owner
of a registered address is e-mailed instead of getting a second account or a code."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm_backend.errors import ValidationError
from crm_backend.models import Customer, Language, Ticket, utcnow
from crm_backend.services import passwords, verification
from crm_backend.services.registration import SignUpResult, confirm_sign_up, sign_up
from crm_backend.services.throttle import RateLimited
from tests.crm_backend.services.account_support import (
    add_customer,
    audit,
    code_in,
    other_code,
    outbox,
)


def customers(uow_factory, email: str):
    with uow_factory() as uow:
        stmt = select(Customer.name).where(Customer.email == email)
        return list(uow.session.execute(stmt).scalars())


def confirm(uow_factory, result: SignUpResult, code: str, **fields):
    return confirm_sign_up(
        uow_factory(),
        name=fields.pop("name", result.name),
        email=fields.pop("email", result.email),
        challenge_id=result.challenge_id,
        code=code,
        **fields,
    )


def test_registered_and_new_addresses_get_the_same_result(uow_factory):
    add_customer(uow_factory)
    taken = sign_up(uow_factory(), name="Mallory", email="ALICE@example.com")
    free = sign_up(uow_factory(), name="Mallory", email="mallory@example.com")
    assert (taken.name, taken.email) == ("Mallory", "alice@example.com")
    assert (free.name, free.email) == ("Mallory", "mallory@example.com")
    assert replace(taken, email="<e>", challenge_id="<c>") == replace(
        free, email="<e>", challenge_id="<c>"
    )
    # only the inboxes differ, and nothing is created yet
    assert [(m.recipient, m.template) for m in outbox(uow_factory)] == [
        ("alice@example.com", "account_exists"),
        ("mallory@example.com", "sign_up_code"),
    ]
    assert customers(uow_factory, "alice@example.com") == ["Alice Smith"], "no second account"
    assert customers(uow_factory, "mallory@example.com") == []


def test_the_emailed_code_creates_the_account_and_verifies_it(uow_factory):
    result = sign_up(uow_factory(), name=" 李  华 ", email="Li.Hua@Example.cn", language="zh")
    assert (result.name, result.email) == ("李 华", "li.hua@example.cn")
    [mail] = outbox(uow_factory)
    assert mail.template == "sign_up_code" and "注册" in mail.subject + mail.body
    code = code_in(mail)
    assert all(code not in str(row.details) for row in audit(uow_factory))
    created = confirm(uow_factory, result, f" {code} ", language="zh", newsletter=True)
    with uow_factory() as uow:
        customer = uow.customers.get_by_email("li.hua@example.cn")
        assert customer.preferred_language == Language.ZH and customer.newsletter is True
        assert created.customer_id == customer.id and created.name == "李 华"
    assert outbox(uow_factory)[-1].template == "welcome"
    assert [row.action for row in audit(uow_factory, "customer.")] == [
        "customer.created",
        "customer.verified",
    ]
    with pytest.raises(verification.CodeExpired):  # single use
        confirm(uow_factory, result, code)


def test_no_code_can_create_an_account_for_a_registered_address(uow_factory):
    alice = add_customer(uow_factory)
    result = sign_up(uow_factory(), name="Alice", email="alice@example.com", language="zh")
    [mail] = outbox(uow_factory)
    assert mail.recipient == "alice@example.com" and "已经关联了您的礼品店账户" in mail.body
    token = re.search(r"reset-password\?token=([A-Za-z0-9_\-]+)", mail.body).group(1)
    assert passwords.redeem_reset_token(uow_factory(), token) == alice
    for code in ("000000", "123456", "999999", "482913"):
        with pytest.raises(verification.WrongCode):
            confirm(uow_factory, result, code)
    with pytest.raises(verification.TooManyAttempts):
        confirm(uow_factory, result, "111111")
    assert customers(uow_factory, "alice@example.com") == ["Alice Smith"]


def test_wrong_codes_count_down_then_lock_like_for_an_unknown_address(uow_factory):
    result = sign_up(uow_factory(), name="Eve", email="eve@example.com")
    code = code_in(outbox(uow_factory, "sign_up_code")[0])
    left = []
    for _ in range(4):
        with pytest.raises(verification.WrongCode) as wrong:
            confirm(uow_factory, result, other_code(code))
        left.append(wrong.value.attempts_left)
    assert left == [4, 3, 2, 1]
    with pytest.raises(verification.TooManyAttempts):
        confirm(uow_factory, result, other_code(code))
    with pytest.raises(verification.TooManyAttempts):
        confirm(uow_factory, result, code)
    assert customers(uow_factory, "eve@example.com") == []


def test_code_is_bound_to_its_address_and_expires(uow_factory):
    now = utcnow()
    result = sign_up(uow_factory(), name="Bob", email="bob@example.com", now=now)
    code = code_in(outbox(uow_factory)[0])
    with pytest.raises(verification.CodeExpired):
        confirm(uow_factory, result, code, email="mallory@example.com")
    with pytest.raises(verification.CodeExpired):
        confirm(uow_factory, result, code, now=now + timedelta(minutes=11))
    with pytest.raises(verification.CodeExpired):  # a sign-up code is no login code
        verification.confirm_code(uow_factory(), result.email, result.challenge_id, code)
    assert customers(uow_factory, "bob@example.com") == []


def test_address_taken_while_the_code_was_on_its_way_is_not_signed_up_twice(uow_factory):
    result = sign_up(uow_factory(), name="Bob", email="bob@example.com")
    code = code_in(outbox(uow_factory)[0])
    add_customer(uow_factory, email="bob@example.com", name="Bob Original")
    with pytest.raises(verification.CodeExpired):
        confirm(uow_factory, result, code)
    assert customers(uow_factory, "bob@example.com") == ["Bob Original"]


def test_address_held_by_a_deleted_account_goes_to_support_by_email(uow_factory):
    add_customer(uow_factory, active=False)
    result = sign_up(uow_factory(), name="Alice", email="alice@example.com")
    assert (result.name, result.email) == ("Alice", "alice@example.com")
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
    assert len(outbox(uow_factory, "account_exists")) == 3
    assert len(outbox(uow_factory, "sign_up_code")) == 3
    assert customers(uow_factory, "nobody@example.com") == []
