"""Password reset links: single-use, expiring, and no account enumeration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import AuditLog, utcnow
from crm_backend.services import passwords
from crm_backend.services.throttle import RateLimited
from tests.crm_backend.services.account_support import add_customer, audit, outbox


def token_of(body: str) -> str:
    match = re.search(r"/account/reset-password\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def test_registered_address_gets_a_single_use_link(uow_factory):
    alice = add_customer(uow_factory)
    result = passwords.request_password_reset(
        uow_factory(), "Alice@Example.com", base_url="https://shop.example"
    )
    assert result is None, "nothing to show in chat"
    [mail] = outbox(uow_factory, "password_reset")
    assert mail.recipient == "alice@example.com"
    assert "https://shop.example/account/reset-password?token=" in mail.body
    token = token_of(mail.body)
    assert token not in str(mail.payload) and all(
        token not in str(row.details) and token != row.entity_id for row in audit(uow_factory)
    ), "only the token's hash is stored"
    assert passwords.redeem_reset_token(uow_factory(), token) == alice
    with pytest.raises(InvalidState):
        passwords.redeem_reset_token(uow_factory(), token)


def db_state(uow_factory):
    with uow_factory() as uow:
        count = uow.session.execute(select(func.count(AuditLog.id))).scalar_one()
    return count, len(outbox(uow_factory))


def test_unknown_address_behaves_the_same_but_sends_nothing(uow_factory):
    add_customer(uow_factory)
    assert passwords.request_password_reset(uow_factory(), "nobody@example.com") is None
    assert outbox(uow_factory) == []
    assert [row.action for row in audit(uow_factory)] == [passwords.REQUESTED]
    assert "nobody" not in str([(r.entity_id, r.details) for r in audit(uow_factory)])


def test_rate_limit_is_the_same_for_known_and_unknown_addresses(uow_factory):
    add_customer(uow_factory)
    now = utcnow()
    for email in ("alice@example.com", "nobody@example.com"):
        for _ in range(passwords.MAX_RESETS_PER_HOUR):
            passwords.request_password_reset(uow_factory(), email, now=now)
        with pytest.raises(RateLimited):
            passwords.request_password_reset(uow_factory(), email.upper(), now=now)
    assert len(outbox(uow_factory)) == passwords.MAX_RESETS_PER_HOUR
    passwords.request_password_reset(
        uow_factory(), "alice@example.com", now=now + timedelta(hours=2)
    )


def test_link_expires_after_an_hour(uow_factory):
    add_customer(uow_factory)
    now = utcnow()
    passwords.request_password_reset(uow_factory(), "alice@example.com", now=now)
    token = token_of(outbox(uow_factory)[0].body)
    with pytest.raises(InvalidState):
        passwords.redeem_reset_token(uow_factory(), token, now=now + timedelta(hours=1, seconds=1))


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "x" * 10_000, None])
def test_unknown_tokens_are_refused(uow_factory, token):
    with pytest.raises(NotFound):
        passwords.redeem_reset_token(uow_factory(), token)


@pytest.mark.parametrize("email", ["", "nope", "a@b", None])
def test_malformed_address_is_a_validation_error(uow_factory, email):
    with pytest.raises(ValidationError):
        passwords.request_password_reset(uow_factory(), email)
    assert db_state(uow_factory) == (0, 0)


def test_deactivated_account_gets_no_link(uow_factory):
    add_customer(uow_factory, active=False)
    passwords.request_password_reset(uow_factory(), "alice@example.com")
    assert outbox(uow_factory) == []
