"""Changing an account's e-mail address with a code sent to the new one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crm_backend.errors import Conflict, ValidationError
from crm_backend.services import verification
from crm_backend.services.email_change import confirm_email_change, request_email_change
from crm_backend.services.throttle import RateLimited
from tests.crm_backend.services.account_support import add_customer, code_in, other_code, outbox


def test_new_address_is_confirmed_by_code_and_the_old_one_told(uow_factory):
    alice = add_customer(uow_factory)
    challenge = request_email_change(uow_factory(), alice, "Alice.New@Example.com")
    [mail] = outbox(uow_factory, "email_change_code")
    assert mail.recipient == "alice.new@example.com"
    view = confirm_email_change(
        uow_factory(), alice, "alice.new@example.com", challenge.challenge_id, code_in(mail)
    )
    assert view.email == "alice.new@example.com"
    [notice] = outbox(uow_factory, "email_changed")
    assert notice.recipient == "alice@example.com" and "alice.new@example.com" in notice.body


def test_wrong_code_changes_nothing(uow_factory):
    alice = add_customer(uow_factory)
    challenge = request_email_change(uow_factory(), alice, "new@example.com")
    code = code_in(outbox(uow_factory)[0])
    with pytest.raises(verification.WrongCode):
        confirm_email_change(
            uow_factory(), alice, "new@example.com", challenge.challenge_id, other_code(code)
        )
    with uow_factory() as uow:
        assert uow.customers.get(alice).email == "alice@example.com"


def test_another_customer_cannot_use_the_code(uow_factory):
    alice = add_customer(uow_factory)
    bob = add_customer(uow_factory, "bob@example.com", "Bob")
    challenge = request_email_change(uow_factory(), alice, "new@example.com")
    code = code_in(outbox(uow_factory)[0])
    with pytest.raises(verification.CodeExpired):
        confirm_email_change(uow_factory(), bob, "new@example.com", challenge.challenge_id, code)


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_notice(uow_factory):
    alice = add_customer(uow_factory)
    add_customer(uow_factory, "bob@example.com", "Bob")
    taken = request_email_change(uow_factory(), alice, "BOB@example.com")
    free = request_email_change(uow_factory(), alice, "carol@example.com")
    assert type(taken) is type(free) and taken.email == "bob@example.com"
    assert taken.expires_at - free.expires_at < timedelta(seconds=5)
    [notice, code_mail] = outbox(uow_factory)
    assert (notice.recipient, notice.template) == ("bob@example.com", "email_change_taken")
    assert "Bob" in notice.body and not re.search(r"\b\d{6}\b", notice.body), "no code"
    assert (code_mail.recipient, code_mail.template) == ("carol@example.com", "email_change_code")
    # no code can confirm the taken address: it stays Bob's, Alice keeps hers
    for guess in ("000000", "123456"):
        with pytest.raises(verification.WrongCode):
            confirm_email_change(uow_factory(), alice, "bob@example.com", taken.challenge_id, guess)
    with uow_factory() as uow:
        assert uow.customers.get(alice).email == "alice@example.com"


def test_taken_and_free_addresses_share_the_rate_limit(uow_factory):
    alice = add_customer(uow_factory)
    add_customer(uow_factory, "bob@example.com", "Bob")
    for address in ("bob@example.com", "dave@example.com"):
        for _ in range(verification.MAX_CODES_PER_HOUR):
            request_email_change(uow_factory(), alice, address)
        with pytest.raises(RateLimited):
            request_email_change(uow_factory(), alice, address)


def test_same_or_malformed_addresses_are_refused(uow_factory):
    alice = add_customer(uow_factory)
    with pytest.raises(ValidationError):
        request_email_change(uow_factory(), alice, "alice@example.com")
    with pytest.raises(ValidationError):
        request_email_change(uow_factory(), alice, "<script>@x")
    assert outbox(uow_factory) == []


def test_address_taken_between_request_and_confirmation(uow_factory):
    alice = add_customer(uow_factory)
    challenge = request_email_change(uow_factory(), alice, "new@example.com")
    code = code_in(outbox(uow_factory)[0])
    add_customer(uow_factory, "new@example.com", "Quick")
    with pytest.raises(Conflict):
        confirm_email_change(uow_factory(), alice, "new@example.com", challenge.challenge_id, code)
