"""The console's signed session cookie and CSRF tokens (itsdangerous, no server state).

The cookie holds ``{"uid": staff id, "csrf": token}`` signed with the app's SECRET_KEY and
timestamped (expires after ``console_session_hours``). It is HttpOnly and SameSite=Lax;
every state-changing request must also carry the CSRF token (form field ``csrf_token`` or
header ``X-CSRF-Token``), compared in constant time. Before sign-in, a separate signed
``console_login`` cookie carries the login form's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Optional

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from crm_backend.settings import Settings

SESSION_COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
COOKIE_PATH = "/"
LOGIN_MAX_AGE = 2 * 3600


@dataclass(frozen=True)
class ConsoleSession:
    staff_id: int
    csrf: str


def _serializer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=salt)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: Optional[str], given: Optional[str]) -> bool:
    if not expected or not given or not isinstance(given, str) or len(given) > 200:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def read_session(settings: Settings, raw: Optional[str]) -> Optional[ConsoleSession]:
    if not raw or len(raw) > 4096:
        return None
    try:
        data = _serializer(settings, "console-session").loads(
            raw, max_age=max(1, settings.console_session_hours) * 3600
        )
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    uid, csrf = data.get("uid"), data.get("csrf")
    if isinstance(uid, bool) or not isinstance(uid, int) or not isinstance(csrf, str):
        return None
    return ConsoleSession(uid, csrf)


def _cookie(settings: Settings, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.console_secure_cookies,
    )


def start_session(settings: Settings, response: Response, staff_id: int) -> ConsoleSession:
    session = ConsoleSession(staff_id, new_token())
    raw = _serializer(settings, "console-session").dumps({"uid": staff_id, "csrf": session.csrf})
    _cookie(settings, response, SESSION_COOKIE, raw, max(1, settings.console_session_hours) * 3600)
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)
    return session


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def login_token(settings: Settings, raw: Optional[str]) -> Optional[str]:
    """The login form's CSRF token from its cookie, if the cookie is valid."""
    if not raw or len(raw) > 1024:
        return None
    try:
        token = _serializer(settings, "console-login").loads(raw, max_age=LOGIN_MAX_AGE)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def issue_login_token(settings: Settings, response: Response, token: str) -> None:
    raw = _serializer(settings, "console-login").dumps(token)
    _cookie(settings, response, LOGIN_COOKIE, raw, LOGIN_MAX_AGE)
