"""Staff sign-in for the agent console: argon2 password check with a failed-login limit.

Failed attempts are kept in the audit log (``staff_login_failed`` keyed by a pseudonymous
fingerprint of the username and of the client address), so the limit holds across
processes and restarts. Unknown usernames and wrong passwords fail the same way and
take the same time (a dummy hash is verified for unknown users).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import StaffUser, utcnow
from crm_backend.services.throttle import RateLimited
from crm_backend.unit_of_work import UnitOfWork

FAILED_ACTION = "staff_login_failed"
ENTITY = "staff_login"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=10)
MAX_USERNAME = 64
MAX_PASSWORD = 256
LOGIN_FAILED = "Wrong username or password."

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    display_name: str
    role: str
    active: bool


def to_staff_view(staff: StaffUser) -> StaffView:
    return StaffView(
        id=staff.id,
        username=staff.username,
        display_name=staff.display_name,
        role=str(staff.role),
        active=bool(staff.active),
    )


def _fingerprint(kind: str, value: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:40]}"


def authenticate(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    client: str,
    secret: str,
    now: Optional[datetime] = None,
) -> StaffView:
    """The active staff member with these credentials.

    Raises:
        RateLimited: too many failures for this username or this client recently.
        ValidationError: wrong or missing credentials (one message for every case).
    """
    now = now or utcnow()
    name = (username or "").strip().lower()[:MAX_USERNAME]
    keys = [_fingerprint("user", name, secret), _fingerprint("client", client or "-", secret)]
    with uow:
        for key in keys:
            recent = uow.audit.list_since(ENTITY, key, now - WINDOW, actions=[FAILED_ACTION])
            if len(recent) >= MAX_FAILURES:
                oldest = min(entry.created_at for entry in recent)
                raise RateLimited(
                    "Too many failed sign-ins. Please wait a few minutes and try again.",
                    retry_after=max(oldest + WINDOW - now, timedelta(seconds=1)),
                )
        staff = uow.staff.get_by_username(name) if name else None
        ok = False
        if isinstance(password, str) and 0 < len(password) <= MAX_PASSWORD:
            try:
                ok = _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        if ok and staff is not None and staff.active:
            return to_staff_view(staff)
        for key in keys:
            entry = uow.audit.record("system", FAILED_ACTION, ENTITY, key, {})
            entry.created_at = now
        uow.commit()
    raise ValidationError(LOGIN_FAILED, field="password")


def get_staff(uow: UnitOfWork, staff_id: int) -> StaffView:
    """An active staff member by id (the console re-checks on every request)."""
    with uow:
        staff = uow.staff.get(staff_id) if isinstance(staff_id, int) else None
        if staff is None or not staff.active:
            raise NotFound("No such staff member.")
        return to_staff_view(staff)


def list_agents(uow: UnitOfWork) -> list[StaffView]:
    """Active staff, for the assign menu."""
    with uow:
        return [to_staff_view(s) for s in uow.staff.list(limit=500) if s.active]
