"""The console's JSON API and its live stream (``/console/api/...``).

Every route needs a signed-in staff member; every POST also the session's CSRF token.
Agents claim conversations; only the agent holding one (or an admin) replies, hands it
back or resolves it; only admins assign a conversation to someone else.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from crm_backend.console import operations as ops
from crm_backend.console.deps import api_staff, check_csrf, require_role
from crm_backend.console.live import (
    CONSOLE,
    TooManySubscribers,
    queue_json,
    sse_stream,
)
from crm_backend.console.rasa_api import RasaUnavailable
from crm_backend.console.transcript import page, transcript
from crm_backend.services import staff_auth, tickets
from crm_backend.services.staff_auth import StaffView

router = APIRouter(prefix="/console/api", dependencies=[Depends(check_csrf)])
CONVERSATION_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ReplyBody(BaseModel):
    text: str = Field(..., max_length=10_000)


class NoteBody(BaseModel):
    note: Optional[str] = Field(None, max_length=10_000)


class ResolveBody(BaseModel):
    note: str = Field(..., max_length=10_000)
    tags: List[str] = Field(default_factory=list, max_items=50)


class AssignBody(BaseModel):
    staff_id: int


@router.get("/queue")
async def queue(request: Request, staff: StaffView = Depends(api_staff)) -> Dict[str, Any]:
    ctx = ops.context(request)
    views = await ops.run(ctx, tickets.list_queue)
    return {"items": queue_json(views), "me": staff.id}


@router.get("/stream")
async def stream(request: Request, staff: StaffView = Depends(api_staff)) -> StreamingResponse:
    """Server-Sent Events: ``queue`` (the whole queue when it changes) and ``activity``
    (a queued conversation has new messages)."""
    ctx = ops.context(request)
    try:
        subscription, _ = ctx.hub.subscribe(CONSOLE)
    except TooManySubscribers:
        raise HTTPException(429, "Too many console windows are open.") from None
    try:
        views = await ops.run(ctx, tickets.list_queue)
    except BaseException:
        ctx.hub.unsubscribe(CONSOLE, subscription)
        raise
    first = [ctx.hub.event("queue", {"items": queue_json(views)})]
    first += [ctx.hub.event("activity", data) for data in ctx.watcher.activity.values()]
    ctx.watcher.ensure_running()
    body = sse_stream(ctx.hub, CONSOLE, subscription, first)
    return StreamingResponse(body, media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/conversations/{conversation_id}/transcript")
async def conversation_transcript(
    request: Request,
    conversation_id: str = PathParam(..., regex=CONVERSATION_ID),
    before: Optional[int] = Query(None, ge=0),
    after: Optional[int] = Query(None, ge=-1),
    limit: int = Query(50, ge=1, le=200),
    staff: StaffView = Depends(api_staff),
) -> Dict[str, Any]:
    ctx = ops.context(request)
    try:
        state = await ctx.rasa.tracker(conversation_id)
    except RasaUnavailable as error:
        raise ops.http_error(error) from error
    items = transcript(state.get("events") or [])
    result = page(items, before=before, after=after, limit=limit)
    result["paused"] = bool(state.get("paused"))
    return result


@router.post("/tickets/{ticket_id}/claim")
async def claim(
    request: Request, ticket_id: int, staff: StaffView = Depends(api_staff)
) -> Dict[str, Any]:
    view = await ops.claim(ops.context(request), staff, ticket_id)
    return {"ticket": ticket_json(view)}


@router.post("/tickets/{ticket_id}/assign")
async def assign(
    request: Request,
    ticket_id: int,
    body: AssignBody,
    staff: StaffView = Depends(require_role("admin")),
) -> Dict[str, Any]:
    view = await ops.assign(ops.context(request), staff, ticket_id, body.staff_id)
    return {"ticket": ticket_json(view)}


@router.post("/tickets/{ticket_id}/note")
async def note(
    request: Request, ticket_id: int, body: NoteBody, staff: StaffView = Depends(api_staff)
) -> Dict[str, Any]:
    ctx = ops.context(request)
    view = await ops.run(
        ctx, lambda uow: tickets.add_note(uow, ticket_id, staff.id, body.note or "")
    )
    return {"ticket": ticket_json(view)}


@router.post("/tickets/{ticket_id}/handback")
async def hand_back(
    request: Request, ticket_id: int, body: NoteBody, staff: StaffView = Depends(api_staff)
) -> Dict[str, Any]:
    view = await ops.hand_back(ops.context(request), staff, ticket_id, body.note)
    return {"ticket": ticket_json(view)}


@router.post("/tickets/{ticket_id}/resolve")
async def resolve(
    request: Request, ticket_id: int, body: ResolveBody, staff: StaffView = Depends(api_staff)
) -> Dict[str, Any]:
    view = await ops.resolve(ops.context(request), staff, ticket_id, body.note, body.tags)
    return {"ticket": ticket_json(view)}


@router.post("/conversations/{conversation_id}/reply")
async def reply(
    request: Request,
    body: ReplyBody,
    conversation_id: str = PathParam(..., regex=CONVERSATION_ID),
    staff: StaffView = Depends(api_staff),
) -> Dict[str, Any]:
    return await ops.reply(ops.context(request), staff, conversation_id, body.text)


@router.post("/conversations/{conversation_id}/typing")
async def typing(
    request: Request,
    conversation_id: str = PathParam(..., regex=CONVERSATION_ID),
    staff: StaffView = Depends(api_staff),
) -> Dict[str, Any]:
    ctx = ops.context(request)
    ticket = await ops.open_ticket_for(ctx, conversation_id)
    if ticket.assignee_id != staff.id:
        raise HTTPException(409, "Claim this conversation first.")
    ops.typing(ctx, staff, conversation_id)
    return {"ok": True}


@router.get("/admin/agents")
async def agents(
    request: Request, staff: StaffView = Depends(require_role("admin"))
) -> Dict[str, Any]:
    ctx = ops.context(request)
    people = await ops.run(ctx, staff_auth.list_agents)
    queue_views = await ops.run(ctx, tickets.list_queue)
    load: Dict[int, int] = {}
    for view in queue_views:
        if view.assignee_id is not None:
            load[view.assignee_id] = load.get(view.assignee_id, 0) + 1
    return {
        "agents": [
            {
                "id": p.id,
                "username": p.username,
                "display_name": p.display_name,
                "role": p.role,
                "open_conversations": load.get(p.id, 0),
            }
            for p in people
        ]
    }


def ticket_json(view: tickets.TicketView) -> Dict[str, Any]:
    return {
        "id": view.id,
        "reference": view.reference,
        "status": view.status,
        "priority": view.priority,
        "reason": view.reason,
        "subject": view.subject,
        "conversation_id": view.conversation_id,
        "customer_id": view.customer_id,
        "assignee_id": view.assignee_id,
        "assignee_name": view.assignee_name,
        "tags": list(view.tags),
        "notes": view.notes,
    }
