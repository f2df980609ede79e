"""Proving in chat, without a password, that a customer owns an account's e-mail address.

1. :func:`request_code` — the customer gives an e-mail address; if an active account has
   it, a 6-digit one-time code is e-mailed (outbox). The answer is the same whether or
   not the address is registered, so the chat cannot be used to probe for accounts.
2. :func:`confirm_code` — the customer types the code; on success the customer id is
   returned, which the bot keeps for the rest of the conversation.

No table is needed: the challenge lives in the audit log, keyed by a pseudonymous
fingerprint of the e-mail, as an HMAC of (purpose, challenge id, customer id, e-mail,
code, expiry) under ``Settings.secret_key``. Codes are never stored, returned or logged.
A sign-up (:data:`SIGN_UP`) proves the same for an address that has no account yet.
A challenge expires after 10 minutes, allows 5 wrong attempts and is single-use; each
address gets at most 5 codes an hour.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from crm_backend.errors import InvalidState, ValidationError
from crm_backend.models import AuditLog, Customer, utcnow
from crm_backend.services import signing, throttle
from crm_backend.services.emails import queue_email
from crm_backend.services.identifiers import normalise_email
from crm_backend.unit_of_work import UnitOfWork

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
ENTITY = "verification"
ISSUED, FAILED, SUCCEEDED = "verification.issued", "verification.failed", "verification.succeeded"
LOGIN, EMAIL_CHANGE, SIGN_UP = "login", "email_change", "sign_up"
NO_ACCOUNT_YET = 0  # the "customer id" a sign-up challenge is issued for
_TEMPLATES = {EMAIL_CHANGE: "email_change_code", SIGN_UP: "sign_up_code"}
_CODE_RE = re.compile(r"\d{6}")
_CHALLENGE_RE = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Challenge:
    """A code was (or, for an unknown address, seemingly was) sent to ``email``."""

    challenge_id: str
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class VerifiedCustomer:
    customer_id: int
    name: str
    email: str
    preferred_language: str


class WrongCode(ValidationError):
    """The code does not match; ``attempts_left`` more tries on this challenge."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__("That code is not correct.", field="code")
        self.attempts_left = attempts_left


class CodeExpired(InvalidState):
    """The challenge expired, was already used or is unknown: request a new code."""

    def __init__(self) -> None:
        super().__init__("This code has expired; please ask for a new one.")


class TooManyAttempts(InvalidState):
    """Five wrong codes: the challenge is locked; request a new code."""

    def __init__(self) -> None:
        super().__init__("Too many wrong codes; please ask for a new one.")


def clean_code(value: object) -> str:
    """``" １２３ 456 "`` -> ``"123456"``; ValidationError unless exactly 6 digits."""
    if isinstance(value, str) and len(value) <= 64:
        text = re.sub(r"[\s\-.]", "", unicodedata.normalize("NFKC", value))
        if _CODE_RE.fullmatch(text):
            return text
    raise ValidationError("A verification code is 6 digits.", field="code")


def _digest(
    purpose: str, challenge_id: str, customer_id: int, email: str, code: str, expires_at: str
) -> str:
    return signing.keyed_digest(
        "verification", purpose, challenge_id, str(customer_id), email, code, expires_at
    )


def active_customer_by_email(uow: UnitOfWork, email: str) -> Optional[Customer]:
    customer = uow.customers.get_by_email(email)
    return customer if customer is not None and customer.is_active else None


def issue_challenge(
    uow: UnitOfWork,
    *,
    purpose: str,
    email: str,
    customer: Optional[Customer],
    language: object,
    conversation_id: Optional[str] = None,
    new_address: bool = False,
    now: Optional[datetime] = None,
) -> Challenge:
    """Stage a challenge for ``email`` (normalised) in an entered unit of work; e-mail the
    code if ``customer`` is given, or if ``new_address`` (a sign-up: the code is issued
    for :data:`NO_ACCOUNT_YET`). Raises RateLimited after 5 codes an hour."""
    now = now or utcnow()
    fingerprint = signing.email_fingerprint(email)
    recent = uow.audit.list_since(ENTITY, fingerprint, now - timedelta(hours=1), actions=[ISSUED])
    if len(recent) >= MAX_CODES_PER_HOUR:
        oldest = min(entry.created_at for entry in recent)
        raise throttle.RateLimited(
            "Too many codes were requested for this address; please try again later.",
            retry_after=max(oldest + timedelta(hours=1) - now, timedelta(0)),
        )
    challenge_id = signing.new_challenge_id()
    expires_at = now + CODE_TTL
    expires_iso = expires_at.isoformat()
    code = signing.new_code()
    customer_id = customer.id if customer is not None else None
    if customer_id is None and new_address:
        customer_id = NO_ACCOUNT_YET
    digest = _digest(purpose, challenge_id, customer_id or NO_ACCOUNT_YET, email, code, expires_iso)
    details = {
        "challenge": challenge_id,
        "purpose": purpose,
        "customer_id": customer_id,
        "expires_at": expires_iso,
        "digest": digest,
        "conversation_id": conversation_id,
    }
    throttle.record(
        uow, action=ISSUED, entity=ENTITY, entity_id=fingerprint, details=details, now=now
    )
    if customer_id is not None:
        queue_email(
            uow,
            to=email,
            template=_TEMPLATES.get(purpose, "verification_code"),
            language=language,
            code=code,
            minutes=int(CODE_TTL.total_seconds() // 60),
            email=email,
        )
    return Challenge(challenge_id=challenge_id, email=email, expires_at=expires_at)


def check_challenge(
    uow: UnitOfWork,
    *,
    purpose: str,
    email: str,
    challenge_id: str,
    code: str,
    now: Optional[datetime] = None,
) -> int:
    """The customer id the challenge was issued for (:data:`NO_ACCOUNT_YET` for a
    sign-up), if ``code`` is right.

    Stages the attempt's audit entry; the caller must commit even when this raises
    :class:`WrongCode` or :class:`TooManyAttempts` (so failures are counted).
    """
    now = now or utcnow()
    fingerprint = signing.email_fingerprint(email)
    entries = uow.audit.list_since(ENTITY, fingerprint, now - CODE_TTL - timedelta(hours=1))
    issued = _find(entries, ISSUED, challenge_id)
    if (
        not issued
        or issued[0].details.get("purpose") != purpose
        or _find(entries, SUCCEEDED, challenge_id)
        or datetime.fromisoformat(issued[0].details["expires_at"]) <= now
    ):
        raise CodeExpired()
    failures = len(_find(entries, FAILED, challenge_id))
    if failures >= MAX_ATTEMPTS:
        raise TooManyAttempts()
    details = issued[0].details
    customer_id = details.get("customer_id")
    expected = _digest(
        purpose, challenge_id, customer_id or NO_ACCOUNT_YET, email, code, details["expires_at"]
    )
    if customer_id is None or not signing.digests_match(expected, details.get("digest", "")):
        throttle.record(
            uow,
            action=FAILED,
            entity=ENTITY,
            entity_id=fingerprint,
            details={"challenge": challenge_id},
            now=now,
        )
        if failures + 1 >= MAX_ATTEMPTS:
            raise TooManyAttempts()
        raise WrongCode(attempts_left=MAX_ATTEMPTS - failures - 1)
    throttle.record(
        uow,
        action=SUCCEEDED,
        entity=ENTITY,
        entity_id=fingerprint,
        details={"challenge": challenge_id, "customer_id": customer_id},
        now=now,
    )
    return int(customer_id)


def _find(entries: List[AuditLog], action: str, challenge_id: str) -> List[AuditLog]:
    return [e for e in entries if e.action == action and e.details.get("challenge") == challenge_id]


def request_code(
    uow: UnitOfWork,
    email: str,
    *,
    language: Optional[str] = None,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Challenge:
    """E-mail a one-time code to ``email`` if an active account has it.

    Returns the same kind of :class:`Challenge` for unknown addresses (no e-mail is sent
    and no code can ever match), so callers cannot tell the two apart.

    Raises:
        ValidationError: malformed e-mail address.
        RateLimited: 5 codes were already requested for this address in the last hour.
    """
    address = normalise_email(email)
    with uow:
        customer = active_customer_by_email(uow, address)
        lang = language or (customer.preferred_language if customer is not None else "en")
        challenge = issue_challenge(
            uow,
            purpose=LOGIN,
            email=address,
            customer=customer,
            language=lang,
            conversation_id=conversation_id,
            now=now,
        )
        uow.commit()
    return challenge


def confirm_code(
    uow: UnitOfWork,
    email: str,
    challenge_id: str,
    code: str,
    *,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> VerifiedCustomer:
    """Check ``code`` against the challenge sent to ``email``.

    Raises:
        ValidationError: malformed e-mail or code (does not count as an attempt).
        WrongCode: the code is wrong (``attempts_left`` tells how many tries remain).
        TooManyAttempts: the 5th wrong code, or any code after it.
        CodeExpired: expired, already used or unknown challenge.
    """
    address = normalise_email(email)
    clean = clean_code(code)
    if not isinstance(challenge_id, str) or not _CHALLENGE_RE.fullmatch(challenge_id):
        raise CodeExpired()
    with uow:
        try:
            customer_id = check_challenge(
                uow, purpose=LOGIN, email=address, challenge_id=challenge_id, code=clean, now=now
            )
        except (WrongCode, TooManyAttempts):
            uow.commit()
            raise
        customer = uow.customers.get(customer_id)
        if customer is None or not customer.is_active or customer.email != address:
            uow.commit()
            raise CodeExpired()
        throttle.record(
            uow,
            action="customer.verified",
            entity="customer",
            entity_id=str(customer.id),
            details={"conversation_id": conversation_id},
            now=now,
        )
        view = VerifiedCustomer(
            customer_id=customer.id,
            name=customer.name,
            email=customer.email,
            preferred_language=str(customer.preferred_language),
        )
        uow.commit()
    return view
