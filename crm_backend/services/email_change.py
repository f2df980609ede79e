"""Changing the e-mail address of an account: a code goes to the new address first.

The customer must already be verified (their id comes from the bot's verification). The
new address gets a one-time code (see :mod:`crm_backend.services.verification`); only
when it is typed back is the address changed, and the old address is told about it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.exc import IntegrityError

from crm_backend.errors import Conflict, ValidationError
from crm_backend.services import throttle, verification
from crm_backend.services.accounts import AccountView, active_customer, to_view
from crm_backend.services.emails import queue_email
from crm_backend.services.identifiers import normalise_email
from crm_backend.unit_of_work import UnitOfWork

_TAKEN = "This e-mail address is already used by another account."


def request_email_change(
    uow: UnitOfWork,
    customer_id: int,
    new_email: str,
    *,
    language: Optional[str] = None,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> verification.Challenge:
    """Send a code to ``new_email`` to confirm it as the account's new address.

    If another account already uses the address, its owner is told by e-mail instead and
    no code can match; the result is the same, so the chat cannot probe for accounts.

    Raises:
        ValidationError: malformed address, or the account already has it.
        NotFound: no active account with this id.
        RateLimited: too many codes requested for that address (taken or not).
    """
    address = normalise_email(new_email)
    with uow:
        customer = active_customer(uow, customer_id)
        if customer.email == address:
            raise ValidationError("That is already your e-mail address.", field="email")
        holder = uow.customers.get_by_email(address)
        challenge = verification.issue_challenge(
            uow,
            purpose=verification.EMAIL_CHANGE,
            email=address,
            customer=customer if holder is None else None,
            language=language or customer.preferred_language,
            conversation_id=conversation_id,
            now=now,
        )
        if holder is not None:
            queue_email(
                uow,
                to=address,
                template="email_change_taken",
                language=language or holder.preferred_language,
                name=holder.name,
                email=address,
            )
        uow.commit()
    return challenge


def confirm_email_change(
    uow: UnitOfWork,
    customer_id: int,
    new_email: str,
    challenge_id: str,
    code: str,
    *,
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> AccountView:
    """Check the code sent to ``new_email`` and make it the account's address.

    Raises:
        ValidationError: malformed address or code.
        WrongCode / TooManyAttempts / CodeExpired: see :func:`verification.confirm_code`.
        Conflict: the address was taken meanwhile.
        NotFound: no active account with this id.
    """
    address = normalise_email(new_email)
    clean = verification.clean_code(code)
    with uow:
        customer = active_customer(uow, customer_id, for_update=True)
        try:
            owner_id = verification.check_challenge(
                uow,
                purpose=verification.EMAIL_CHANGE,
                email=address,
                challenge_id=str(challenge_id),
                code=clean,
                now=now,
            )
        except (verification.WrongCode, verification.TooManyAttempts):
            uow.commit()
            raise
        if owner_id != customer.id:
            uow.commit()
            raise verification.CodeExpired()
        old_email = customer.email
        customer.email = address
        try:
            uow.flush()
        except IntegrityError as exc:
            raise Conflict(_TAKEN) from exc
        throttle.record(
            uow,
            action="customer.email_changed",
            entity="customer",
            entity_id=str(customer.id),
            details={"source": "chat", "conversation_id": conversation_id},
            now=now,
        )
        if old_email:
            queue_email(
                uow,
                to=old_email,
                template="email_changed",
                language=customer.preferred_language,
                name=customer.name,
                new_email=address,
            )
        view = to_view(customer)
        uow.commit()
    return view
