"""Request dependencies of the console: units of work, the signed-in staff member, roles,
CSRF. ``require_role("admin")`` is the reusable authorisation dependency for admin pages
and APIs; ``page_staff`` redirects to the login page, ``api_staff`` answers 401."""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from crm_backend.console import session as cookies
from crm_backend.db import make_engine, make_session_factory
from crm_backend.errors import NotFound
from crm_backend.services import staff_auth
from crm_backend.services.staff_auth import StaffView
from crm_backend.settings import Settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
_lock = threading.Lock()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def uow_factory(request: Request) -> UowFactory:
    """Fresh units of work on the app's database (the engine is built on first use)."""
    state = request.app.state
    factory = getattr(state, "session_factory", None)
    if factory is None:
        with _lock:
            factory = getattr(state, "session_factory", None)
            if factory is None:
                factory = make_session_factory(make_engine(state.settings.database_url))
                state.session_factory = factory
    return lambda: SqlAlchemyUnitOfWork(factory)


async def call(request: Request, service: Callable[[SqlAlchemyUnitOfWork], Any]) -> Any:
    """Run ``service(uow)`` with a fresh unit of work in the thread pool."""
    make = uow_factory(request)
    return await run_in_threadpool(lambda: service(make()))


async def _signed_in(request: Request) -> Optional[StaffView]:
    cached = getattr(request.state, "staff", None)
    if cached is not None:
        return cached
    settings = app_settings(request)
    session = cookies.read_session(settings, request.cookies.get(cookies.SESSION_COOKIE))
    if session is None:
        return None
    try:
        staff = await call(request, lambda uow: staff_auth.get_staff(uow, session.staff_id))
    except NotFound:
        return None  # deactivated or deleted since sign-in
    request.state.staff = staff
    request.state.csrf = session.csrf
    return staff


async def api_staff(request: Request) -> StaffView:
    staff = await _signed_in(request)
    if staff is None:
        raise HTTPException(401, "Please sign in to the console.")
    return staff


async def page_staff(request: Request) -> StaffView:
    staff = await _signed_in(request)
    if staff is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            303, "Please sign in.", headers={"Location": f"/console/login?next={quote(target)}"}
        )
    return staff


def require_role(*roles: str, page: bool = False) -> Callable[..., Any]:
    """Dependency: the signed-in staff member, if their role is one of ``roles`` (else 403)."""
    base = page_staff if page else api_staff

    async def dependency(staff: StaffView = Depends(base)) -> StaffView:
        if staff.role not in roles:
            raise HTTPException(403, "You don't have access to this page.")
        return staff

    return dependency


async def check_csrf(request: Request) -> None:
    """Router dependency: every non-GET request of a signed-in staff member needs the
    session's CSRF token in ``X-CSRF-Token`` or the form field ``csrf_token``."""
    if request.method in SAFE_METHODS:
        return
    await _signed_in(request)
    expected = getattr(request.state, "csrf", None)
    given = request.headers.get("x-csrf-token")
    if not given and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if expected is None:
        return  # not signed in: the route's own auth dependency answers 401/303
    if not cookies.tokens_match(expected, given):
        raise HTTPException(403, "Invalid or missing CSRF token; reload the page.")


def csrf_token(request: Request) -> str:
    return str(getattr(request.state, "csrf", ""))
