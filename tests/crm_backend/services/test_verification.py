"""Verifying a customer in chat with a one-time code, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from crm_backend.errors import ValidationError
from crm_backend.models import utcnow
from crm_backend.services import verification as v
from crm_backend.services.throttle import RateLimited
from tests.crm_backend.services.account_support import (
    add_customer,
    audit,
    code_in,
    other_code,
    outbox,
)


def test_code_is_mailed_and_confirms_the_customer(uow_factory, caplog):
    caplog.set_level(logging.DEBUG)
    alice = add_customer(uow_factory)
    challenge = v.request_code(uow_factory(), "  Alice@Example.COM ", conversation_id="c1")
    assert challenge.email == "alice@example.com"
    [mail] = outbox(uow_factory, "verification_code")
    assert mail.recipient == "alice@example.com" and mail.status == "pending"
    code = code_in(mail)
    assert code not in json.dumps(mail.payload), "the code is only in the e-mail body"
    assert all(code not in json.dumps(row.details) for row in audit(uow_factory))
    verified = v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, code)
    assert verified.customer_id == alice and verified.name == "Alice Smith"
    assert code not in caplog.text, "codes are never logged"
    with pytest.raises(v.CodeExpired):  # single use
        v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, code)


def test_chinese_customer_gets_a_chinese_email(uow_factory):
    add_customer(uow_factory, "wangfang@example.cn", "王芳")
    v.request_code(uow_factory(), "wangfang@example.cn", language="zh")
    [mail] = outbox(uow_factory)
    assert "验证码" in mail.subject and "验证码" in mail.body


def test_unknown_address_looks_the_same_and_never_verifies(uow_factory):
    add_customer(uow_factory)
    known = v.request_code(uow_factory(), "alice@example.com")
    unknown = v.request_code(uow_factory(), "nobody@example.com")
    assert type(known) is type(unknown)
    assert len(unknown.challenge_id) == len(known.challenge_id)
    assert unknown.expires_at - utcnow() > timedelta(minutes=9)
    assert [m.recipient for m in outbox(uow_factory)] == ["alice@example.com"]
    with pytest.raises(v.WrongCode) as wrong:
        v.confirm_code(uow_factory(), "nobody@example.com", unknown.challenge_id, "123456")
    assert wrong.value.attempts_left == v.MAX_ATTEMPTS - 1, "same answer as a known address"


def test_deleted_account_gets_no_code(uow_factory):
    add_customer(uow_factory, active=False)
    v.request_code(uow_factory(), "alice@example.com")
    assert outbox(uow_factory) == []


def test_five_wrong_codes_lock_the_challenge(uow_factory):
    add_customer(uow_factory)
    challenge = v.request_code(uow_factory(), "alice@example.com")
    code = code_in(outbox(uow_factory)[0])
    for left in (4, 3, 2, 1):
        with pytest.raises(v.WrongCode) as wrong:
            v.confirm_code(
                uow_factory(), "alice@example.com", challenge.challenge_id, other_code(code)
            )
        assert wrong.value.attempts_left == left
    with pytest.raises(v.TooManyAttempts):
        v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, other_code(code))
    with pytest.raises(v.TooManyAttempts):  # even the right code is refused now
        v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, code)


def test_code_expires_after_ten_minutes(uow_factory):
    add_customer(uow_factory)
    now = utcnow()
    challenge = v.request_code(uow_factory(), "alice@example.com", now=now)
    code = code_in(outbox(uow_factory)[0])
    late = now + v.CODE_TTL + timedelta(seconds=1)
    with pytest.raises(v.CodeExpired):
        v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, code, now=late)
    ok = v.confirm_code(
        uow_factory(),
        "alice@example.com",
        challenge.challenge_id,
        code,
        now=now + timedelta(minutes=9),
    )
    assert ok.email == "alice@example.com"


def test_code_is_bound_to_its_address_and_challenge(uow_factory):
    add_customer(uow_factory)
    add_customer(uow_factory, "bob@example.com", "Bob")
    alice = v.request_code(uow_factory(), "alice@example.com")
    bob = v.request_code(uow_factory(), "bob@example.com")
    alice_code = code_in(outbox(uow_factory)[0])
    with pytest.raises(v.CodeExpired):  # Alice's challenge presented for Bob's address
        v.confirm_code(uow_factory(), "bob@example.com", alice.challenge_id, alice_code)
    with pytest.raises(v.WrongCode):
        v.confirm_code(uow_factory(), "bob@example.com", bob.challenge_id, alice_code)


def test_requests_are_rate_limited_per_address(uow_factory):
    add_customer(uow_factory)
    now = utcnow()
    for _ in range(v.MAX_CODES_PER_HOUR):
        v.request_code(uow_factory(), "alice@example.com", now=now)
    with pytest.raises(RateLimited) as limited:
        v.request_code(uow_factory(), "ALICE@example.com", now=now)
    assert timedelta(minutes=59) < limited.value.retry_after <= timedelta(hours=1)
    v.request_code(uow_factory(), "nobody@example.com", now=now)  # other addresses unaffected
    v.request_code(uow_factory(), "alice@example.com", now=now + timedelta(hours=1, seconds=1))


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "abcdef", "'; DROP TABLE audit_log; --", "1" * 10_000, None]
)
def test_malformed_codes_are_rejected_without_counting(uow_factory, code):
    add_customer(uow_factory)
    challenge = v.request_code(uow_factory(), "alice@example.com")
    with pytest.raises(ValidationError):
        v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, code)
    assert audit(uow_factory, v.FAILED) == []


def test_full_width_and_spaced_codes_are_accepted(uow_factory):
    add_customer(uow_factory)
    challenge = v.request_code(uow_factory(), "alice@example.com")
    code = code_in(outbox(uow_factory)[0])
    typed = " ".join([code[:3], code[3:]]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    assert v.confirm_code(uow_factory(), "alice@example.com", challenge.challenge_id, typed)


@pytest.mark.parametrize("challenge_id", ["", "x" * 32, "../../etc/passwd", "0" * 32])
def test_unknown_or_forged_challenges_are_expired(uow_factory, challenge_id):
    add_customer(uow_factory)
    v.request_code(uow_factory(), "alice@example.com")
    with pytest.raises(v.CodeExpired):
        v.confirm_code(uow_factory(), "alice@example.com", challenge_id, "123456")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 300 + "@example.com", None])
def test_malformed_addresses_are_rejected(uow_factory, email):
    with pytest.raises(ValidationError):
        v.request_code(uow_factory(), email)
