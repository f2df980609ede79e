"""Signing up in chat, and helping a customer whose sign-up failed, without telling the
chat whether an e-mail address has an account (issue #9: no customer data without the
identity check).

Both functions answer the same way for a registered and an unknown address ("we've
e-mailed <address> with the next steps"); what differs goes only to that address's inbox:

- :func:`sign_up`: a free address gets a one-time code (the account is created only when
  it is typed back, :func:`confirm_sign_up`, so nobody can sign up with an address they
  do not own); an address of an active account gets an e-mail offering a password reset
  (with a single-use link) and no second account, and no code can match; one still held
  by an account being deleted gets a support ticket, its reference e-mailed.
- :func:`diagnose_registration`: a malformed address is explained (that says nothing
  about accounts); an active account's address gets the password-reset offer by e-mail;
  any other gets a support ticket, its reference e-mailed (never shown in chat).

Each address gets at most 3 sign-ups and 3 diagnoses an hour, counted under a pseudonymous
fingerprint for registered and unknown addresses alike (``RateLimited`` either way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy.exc import IntegrityError

from crm_backend.models import Customer, TicketKind, TicketPriority, utcnow
from crm_backend.services import accounts, passwords, signing, throttle, verification
from crm_backend.services.emails import queue_email
from crm_backend.services.identifiers import is_valid_email, normalise_email
from crm_backend.services.tickets import new_ticket, ticket_reference
from crm_backend.unit_of_work import UnitOfWork

INVALID_EMAIL, EMAILED = "invalid_email", "emailed"
MAX_DESCRIPTION = 2000
MAX_REQUESTS_PER_HOUR = 3
SIGN_UP, DIAGNOSIS = "registration.sign_up", "registration.diagnosis"


@dataclass(frozen=True)
class RegistrationDiagnosis:
    """``INVALID_EMAIL``, or ``EMAILED``: the next steps went to ``email``."""

    outcome: str
    email: Optional[str] = None


@dataclass(frozen=True)
class SignUpResult:
    """The next steps were e-mailed to ``email`` (whether or not it had an account): a
    code for ``challenge_id`` if it had none."""

    name: str
    email: str
    challenge_id: str


def _count_request(
    uow: UnitOfWork, action: str, address: str, conversation_id: Optional[str], now: datetime
) -> None:
    throttle.check_and_count(
        uow,
        action=action,
        entity="email",
        key=signing.email_fingerprint(address),
        limit=MAX_REQUESTS_PER_HOUR,
        window=timedelta(hours=1),
        now=now,
        details={"conversation_id": conversation_id},
    )


def _open_ticket(
    uow: UnitOfWork,
    address: str,
    *,
    description: Optional[str],
    held_by_deleted_account: bool,
    conversation_id: Optional[str],
) -> str:
    details = (description or "").strip()[:MAX_DESCRIPTION] or "(no description given)"
    held = "\nThe address belongs to a deleted account." if held_by_deleted_account else ""
    ticket = new_ticket(
        kind=TicketKind.SUPPORT,
        reason="registration_problem",
        subject="Registration problem",
        priority=TicketPriority.NORMAL,
        conversation_id=conversation_id,
        notes=f"Sign-up e-mail: {address}{held}\nCustomer's description: {details}",
        tags=["registration", "chat"],
    )
    uow.tickets.add(ticket)
    uow.flush()
    return ticket_reference(ticket.id)


def _email_next_steps(
    uow: UnitOfWork,
    address: str,
    customer: Optional[Customer],
    *,
    language: Optional[str],
    description: Optional[str],
    conversation_id: Optional[str],
    base_url: Optional[str],
    now: datetime,
) -> None:
    """Stage the e-mail to ``address``: a password-reset offer for an active account's
    owner, else a support ticket's reference."""
    if customer is not None and customer.is_active:
        queue_email(
            uow,
            to=address,
            template="account_exists",
            language=language or customer.preferred_language,
            name=customer.name,
            email=address,
            link=passwords.issue_reset_link(uow, customer, base_url=base_url, now=now),
            minutes=passwords.RESET_MINUTES,
        )
        return
    reference = _open_ticket(
        uow,
        address,
        description=description,
        held_by_deleted_account=customer is not None,
        conversation_id=conversation_id,
    )
    queue_email(
        uow,
        to=address,
        template="registration_ticket",
        language=language or "en",
        email=address,
        reference=reference,
    )


def sign_up(
    uow: UnitOfWork,
    *,
    name: object,
    email: object,
    language: str = "en",
    conversation_id: Optional[str] = None,
    base_url: Optional[str] = None,
    now: Optional[datetime] = None,
) -> SignUpResult:
    """Step 1: e-mail a code that confirms ``email`` is the customer's; no account yet.

    A free address gets the code (see :func:`confirm_sign_up`); the owner of a registered
    address is e-mailed the next steps instead, and no code can match. The result is the
    same either way.

    Raises:
        ValidationError: bad name / e-mail / language (``field`` says which).
        RateLimited: 3 sign-ups (or 5 codes) for this address in the last hour.
    """
    now = now or utcnow()
    new = accounts.clean_new_account(name, email, language=language)
    with uow:
        _count_request(uow, SIGN_UP, new.email, conversation_id, now)
        holder = uow.customers.get_by_email(new.email)
        challenge = verification.issue_challenge(
            uow,
            purpose=verification.SIGN_UP,
            email=new.email,
            customer=None,
            language=language,
            conversation_id=conversation_id,
            new_address=holder is None,
            now=now,
        )
        if holder is not None:
            _email_next_steps(
                uow,
                new.email,
                holder,
                language=language,
                description="Chat sign-up with an address that is already taken.",
                conversation_id=conversation_id,
                base_url=base_url,
                now=now,
            )
        uow.commit()
    return SignUpResult(name=new.name, email=new.email, challenge_id=challenge.challenge_id)


def confirm_sign_up(
    uow: UnitOfWork,
    *,
    name: object,
    email: object,
    challenge_id: object,
    code: object,
    language: str = "en",
    newsletter: bool = False,
    marketing_consent: bool = False,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> verification.VerifiedCustomer:
    """Step 2: the code e-mailed by :func:`sign_up` is right: create the account (with
    its welcome e-mail) and return it as the verified customer.

    Raises:
        ValidationError: bad name / e-mail / language / code (not counted as an attempt).
        WrongCode / TooManyAttempts / CodeExpired: see :func:`verification.confirm_code`;
            always WrongCode for an address that already had an account.
    """
    now = now or utcnow()
    new = accounts.clean_new_account(name, email, language=language)
    clean = verification.clean_code(code)
    with uow:
        try:
            verification.check_challenge(
                uow,
                purpose=verification.SIGN_UP,
                email=new.email,
                challenge_id=str(challenge_id),
                code=clean,
                now=now,
            )
        except (verification.WrongCode, verification.TooManyAttempts):
            uow.commit()  # the failed attempt counts
            raise
        if uow.customers.get_by_email(new.email) is not None:  # taken since the code was sent
            uow.commit()
            raise verification.CodeExpired()
        try:
            customer = accounts.stage_account(
                uow,
                new,
                newsletter=newsletter,
                marketing_consent=marketing_consent,
                conversation_id=conversation_id,
                now=now,
            )
        except IntegrityError as exc:  # a concurrent sign-up took the address
            raise verification.CodeExpired() from exc
        throttle.record(
            uow,
            action="customer.verified",
            entity="customer",
            entity_id=str(customer.id),
            details={"conversation_id": conversation_id},
            now=now,
        )
        view = verification.VerifiedCustomer(
            customer_id=customer.id,
            name=customer.name,
            email=customer.email,
            preferred_language=str(customer.preferred_language),
        )
        uow.commit()
    return view


def diagnose_registration(
    uow: UnitOfWork,
    email: object,
    *,
    description: Optional[str] = None,
    conversation_id: Optional[str] = None,
    language: Optional[str] = None,
    base_url: Optional[str] = None,
    now: Optional[datetime] = None,
) -> RegistrationDiagnosis:
    """Explain a malformed address, or e-mail the next steps to a well-formed one.

    Raises:
        RateLimited: 3 requests for this address in the last hour (registered or not).
    """
    if not is_valid_email(email):
        return RegistrationDiagnosis(outcome=INVALID_EMAIL)
    now = now or utcnow()
    address = normalise_email(email)
    with uow:
        _count_request(uow, DIAGNOSIS, address, conversation_id, now)
        _email_next_steps(
            uow,
            address,
            uow.customers.get_by_email(address),
            language=language,
            description=description,
            conversation_id=conversation_id,
            base_url=base_url,
            now=now,
        )
        uow.commit()
    return RegistrationDiagnosis(outcome=EMAILED, email=address)
