"""The console's server-rendered pages: sign-in / out, queue, conversation, search, agents.

Pages are Jinja2 templates (autoescaped) plus ``/console/static/console.js``; message
text is only ever put into the page by that script with ``textContent``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from crm_backend.console import operations as ops
from crm_backend.console import session as cookies
from crm_backend.console.deps import (
    app_settings,
    check_csrf,
    csrf_token,
    page_staff,
    require_role,
)
from crm_backend.console.panels import (
    UNAVAILABLE,
    describe,
    optional_service,
    recommendation_rows,
)
from crm_backend.errors import CRMError, NotFound, ValidationError
from crm_backend.services import conversation_search, staff_auth, tickets
from crm_backend.services.staff_auth import StaffView

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/console", dependencies=[Depends(check_csrf)], include_in_schema=False)
CONVERSATION_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.console_templates
    return found


def render(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    staff = getattr(request.state, "staff", None)
    context = {"request": request, "staff": staff, "csrf": csrf_token(request), **values}
    response = templates(request).TemplateResponse(name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: Optional[str]) -> str:
    """Only local console paths (no scheme, no host, no //evil)."""
    if not target or not target.startswith("/console") or target.startswith("//"):
        return "/console"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/console"
    return target


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: Optional[str] = None) -> Response:
    settings = app_settings(request)
    session = cookies.read_session(settings, request.cookies.get(cookies.SESSION_COOKIE))
    if session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    token = cookies.new_token()
    response = render(request, "login.html", login_csrf=token, next=safe_next(next), error=None)
    cookies.issue_login_token(settings, response, token)
    return response


@router.post("/login")
async def login(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1000),
    csrf_token: str = Form("", max_length=200),
    next: str = Form("/console", max_length=500),
) -> Response:
    settings = app_settings(request)
    expected = cookies.login_token(settings, request.cookies.get(cookies.LOGIN_COOKIE))
    if not cookies.tokens_match(expected, csrf_token):
        raise HTTPException(403, "The sign-in form expired; reload the page and try again.")
    client = request.client.host if request.client else "-"
    secret = settings.secret_key.get_secret_value()
    try:
        staff = await ops.run(
            ops.context(request),
            lambda uow: staff_auth.authenticate(
                uow, username, password, client=client, secret=secret
            ),
        )
    except HTTPException as error:
        status = error.status_code if error.status_code == 429 else 401
        message = error.detail if status == 429 else staff_auth.LOGIN_FAILED
        response = render(
            request, "login.html", status, login_csrf=expected, next=safe_next(next), error=message
        )
        if status == 429 and error.headers:
            response.headers["Retry-After"] = error.headers.get("Retry-After", "60")
        return response
    response = RedirectResponse(safe_next(next), status_code=303)
    cookies.start_session(settings, response, staff.id)
    return response


@router.post("/logout")
async def logout(request: Request, staff: StaffView = Depends(page_staff)) -> Response:
    response = RedirectResponse("/console/login", status_code=303)
    cookies.end_session(response)
    return response


@router.get("", response_class=HTMLResponse)
async def queue_page(request: Request, staff: StaffView = Depends(page_staff)) -> Response:
    return render(request, "queue.html", page="queue")


async def _none() -> None:
    return None


async def _customer_panel(request: Request, customer_id: Optional[int]) -> Dict[str, Any]:
    if customer_id is None:
        return {"state": "unknown", "sections": []}
    service = optional_service("customer360", "customer_360")
    if service is None:
        return {"state": "unavailable", "sections": [], "customer_id": customer_id}
    ctx = ops.context(request)
    recommend = optional_service("customer360", "customer_recommendations")
    # in parallel: the recommender (never raising) must not slow the 360 down
    both = await asyncio.gather(
        ops.run(ctx, lambda uow: service(uow, customer_id)),
        ops.run(ctx, lambda uow: recommend(uow, customer_id)) if recommend else _none(),
        return_exceptions=True,
    )
    view, recommended = both
    if isinstance(view, HTTPException):
        return {"state": "error", "message": view.detail, "sections": []}
    if isinstance(view, BaseException):
        raise view
    if isinstance(recommended, BaseException):
        logger.error("customer 360: recommendations failed", exc_info=recommended)
        recommended = UNAVAILABLE
    return {
        "state": "ok",
        "customer_id": customer_id,
        "sections": describe(view, skip=("recommendations",)),
        "recommendations": recommendation_rows(recommended),
        "can_cancel": optional_service("order_changes", "cancel_order") is not None,
        "can_offer": optional_service("retention", "make_offer") is not None,
    }


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(
    request: Request,
    conversation_id: str = PathParam(..., regex=CONVERSATION_ID),
    staff: StaffView = Depends(page_staff),
) -> Response:
    ctx = ops.context(request)
    ticket = await ops.run(ctx, lambda uow: tickets.ticket_for_conversation(uow, conversation_id))
    agents: List[StaffView] = []
    if staff.role == "admin":
        agents = await ops.run(ctx, staff_auth.list_agents)
    panel = await _customer_panel(request, ticket.customer_id if ticket else None)
    return render(
        request,
        "conversation.html",
        page="conversation",
        conversation_id=conversation_id,
        ticket=ticket,
        agents=agents,
        panel=panel,
    )


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    q: str = Query("", max_length=500),
    offset: int = Query(0, ge=0, le=conversation_search.MAX_OFFSET),
    staff: StaffView = Depends(page_staff),
) -> Response:
    """Customer / order / conversation-id matches (first page only) and conversations
    whose messages contain the words, paged with ``offset``."""
    hits: List[Any] = []
    text_page: Optional[conversation_search.TextSearchPage] = None
    error = None
    if q.strip():
        ctx = ops.context(request)
        try:
            query = conversation_search.clean_query(q)
            if offset == 0:
                hits = await ops.run(
                    ctx, lambda uow: conversation_search.search_conversations(uow, query)
                )
            text_page = await ops.run(
                ctx, lambda uow: conversation_search.search_text(uow, query, offset=offset)
            )
        except (ValidationError, NotFound) as problem:
            error = problem.message
        except HTTPException as problem:
            error = str(problem.detail)
        except CRMError as problem:
            error = problem.message
    known = {h.conversation_id for h in hits}
    text_hits = [t for t in (text_page.hits if text_page else ()) if t.conversation_id not in known]
    return render(
        request,
        "search.html",
        page="search",
        q=q,
        hits=hits,
        text_hits=text_hits,
        offset=offset,
        next_offset=text_page.next_offset if text_page else None,
        error=error,
    )


@router.get("/admin/agents", response_class=HTMLResponse)
async def agents_page(
    request: Request, staff: StaffView = Depends(require_role("admin", page=True))
) -> Response:
    ctx = ops.context(request)
    people = await ops.run(ctx, staff_auth.list_agents)
    queue = await ops.run(ctx, tickets.list_queue)
    load: Dict[int, int] = {}
    for view in queue:
        if view.assignee_id is not None:
            load[view.assignee_id] = load.get(view.assignee_id, 0) + 1
    return render(request, "agents.html", page="agents", people=people, load=load)
