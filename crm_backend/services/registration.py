"""Signing up in chat, and helping a customer whose sign-up failed, without telling the
chat whether an e-mail address has an account (issue #9: no customer data without the
identity check).

Both functions answer the same way for a registered and an unknown address ("we've
e-mailed <address> with the next steps"); what differs goes only to that address's inbox:

- :func:`sign_up`: a free address gets the account and the welcome e-mail; an address of
  an active account gets an e-mail offering a password reset (with a single-use link) and
  no second account; one still held by an account being deleted gets a support ticket,
  its reference e-mailed.
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
from crm_backend.services import accounts, passwords, signing, throttle
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
    """The next steps were e-mailed to ``email`` (whether or not it had an account)."""

    name: str
    email: str


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
    newsletter: bool = False,
    marketing_consent: bool = False,
    conversation_id: Optional[str] = None,
    base_url: Optional[str] = None,
    now: Optional[datetime] = None,
) -> SignUpResult:
    """Create an account for a free address; otherwise e-mail the address's owner.

    The result is the same either way.

    Raises:
        ValidationError: bad name / e-mail / language (``field`` says which).
        RateLimited: 3 sign-ups with this address in the last hour (registered or not).
    """
    now = now or utcnow()
    new = accounts.clean_new_account(name, email, language=language)
    with uow:
        _count_request(uow, SIGN_UP, new.email, conversation_id, now)
        holder = uow.customers.get_by_email(new.email)
        if holder is None:
            try:
                accounts.stage_account(
                    uow,
                    new,
                    newsletter=newsletter,
                    marketing_consent=marketing_consent,
                    conversation_id=conversation_id,
                    now=now,
                )
            except IntegrityError:  # a concurrent sign-up took the address
                uow.rollback()
                throttle.record(  # the rollback dropped this request's count
                    uow,
                    action=SIGN_UP,
                    entity="email",
                    entity_id=signing.email_fingerprint(new.email),
                    details={"conversation_id": conversation_id},
                    now=now,
                )
                holder = uow.customers.get_by_email(new.email)
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
    return SignUpResult(name=new.name, email=new.email)


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
