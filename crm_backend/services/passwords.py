"""Password recovery: a single-use reset link by e-mail, without account enumeration.

:func:`request_password_reset` behaves identically for registered and unknown addresses
(no error, nothing returned); only a registered, active account gets the e-mail. The link
carries a random token; the CRM keeps only its SHA-256 (as the audit entry's entity id)
with the expiry, so :func:`redeem_reset_token` can check it once, from any process.
Requests are limited per address (3 an hour), counted under a pseudonymous fingerprint.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional
from urllib.parse import quote

from crm_backend.errors import InvalidState, NotFound
from crm_backend.models import Customer, utcnow
from crm_backend.services import signing, throttle
from crm_backend.services.emails import queue_email
from crm_backend.services.identifiers import normalise_email
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import UnitOfWork

RESET_TTL = timedelta(hours=1)
RESET_MINUTES = int(RESET_TTL.total_seconds() // 60)
MAX_RESETS_PER_HOUR = 3
RESET_PATH = "/account/reset-password"
REQUESTED, ISSUED, USED = "password_reset.requested", "password_reset.issued", "password_reset.used"
TOKEN_ENTITY = "password_reset"  # noqa: S105 - an audit entity name, not a secret


def reset_link(token: str, base_url: Optional[str] = None) -> str:
    base = (base_url or get_settings().web_url).rstrip("/")
    return f"{base}{RESET_PATH}?token={quote(token, safe='')}"


def request_password_reset(
    uow: UnitOfWork,
    email: str,
    *,
    language: Optional[str] = None,
    conversation_id: Optional[str] = None,
    base_url: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    """E-mail a reset link if an active account has ``email``; otherwise do nothing, in
    the same way.

    Raises:
        ValidationError: malformed e-mail address.
        RateLimited: 3 requests for this address in the last hour (registered or not).
    """
    now = now or utcnow()
    address = normalise_email(email)
    with uow:
        throttle.check_and_count(
            uow,
            action=REQUESTED,
            entity="email",
            key=signing.email_fingerprint(address),
            limit=MAX_RESETS_PER_HOUR,
            window=timedelta(hours=1),
            now=now,
            details={"conversation_id": conversation_id},
        )
        customer = uow.customers.get_by_email(address)
        if customer is not None and customer.is_active:
            queue_email(
                uow,
                to=address,
                template="password_reset",
                language=language or customer.preferred_language,
                name=customer.name,
                link=issue_reset_link(uow, customer, base_url=base_url, now=now),
                minutes=RESET_MINUTES,
            )
        uow.commit()


def issue_reset_link(
    uow: UnitOfWork, customer: Customer, *, base_url: Optional[str] = None, now: datetime
) -> str:
    """Stage a new single-use reset token for ``customer`` (in an entered unit of work)
    and return its link, for an e-mail to the customer's own address only."""
    token = signing.new_token()
    throttle.record(
        uow,
        action=ISSUED,
        entity=TOKEN_ENTITY,
        entity_id=signing.token_hash(token),
        details={"customer_id": customer.id, "expires_at": (now + RESET_TTL).isoformat()},
        now=now,
    )
    return reset_link(token, base_url)


def redeem_reset_token(uow: UnitOfWork, token: str, *, now: Optional[datetime] = None) -> int:
    """The customer id a reset token was issued for; the token is used up.

    Raises:
        NotFound: unknown or malformed token.
        InvalidState: expired or already used token, or the account is gone.
    """
    now = now or utcnow()
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("Unknown reset link.")
    key = signing.token_hash(token)
    with uow:
        entries = uow.audit.list_for_entity(TOKEN_ENTITY, key)
        issued = [e for e in entries if e.action == ISSUED]
        if not issued:
            raise NotFound("Unknown reset link.")
        details = issued[0].details
        if any(e.action == USED for e in entries):
            raise InvalidState("This reset link was already used.")
        if datetime.fromisoformat(details["expires_at"]) <= now:
            raise InvalidState("This reset link has expired.")
        customer = uow.customers.get(int(details["customer_id"]))
        if customer is None or not customer.is_active:
            raise InvalidState("This account is no longer active.")
        throttle.record(uow, action=USED, entity=TOKEN_ENTITY, entity_id=key, now=now)
        uow.commit()
        return int(customer.id)
