"""The widget's side of a live handoff (public, no sign-in): ``/api/chat/...``.

``GET /api/chat/{conversation id}/events`` is a Server-Sent Events stream of that one
conversation (agent messages, joined / left, typing, the CSAT prompt); the id is the
widget's unguessable uuid and only that conversation's events are ever sent on it.
``POST /api/chat/{conversation id}/csat`` stores the customer's 1-5 rating.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from crm_backend.console import operations as ops
from crm_backend.console.live import TooManySubscribers, chat_topic, parse_last_id, sse_stream
from crm_backend.services import handoff

router = APIRouter(prefix="/api/chat", tags=["chat"])
CONVERSATION_ID = r"^[A-Za-z0-9_.:-]{8,64}$"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class CsatBody(BaseModel):
    score: int


@router.get("/{conversation_id}/events")
async def events(
    request: Request,
    conversation_id: str = PathParam(..., regex=CONVERSATION_ID),
    after: Optional[str] = Query(None, max_length=20),
) -> StreamingResponse:
    ctx = ops.context(request)
    topic = chat_topic(conversation_id)
    last = parse_last_id(request.headers.get("last-event-id"), after)
    try:
        queue, backlog = ctx.hub.subscribe(topic, after=last)
    except TooManySubscribers:
        raise HTTPException(429, "Too many open chat windows for this conversation.") from None
    body = sse_stream(ctx.hub, topic, queue, backlog)
    return StreamingResponse(body, media_type="text/event-stream", headers=SSE_HEADERS)


@router.post("/{conversation_id}/csat")
async def csat(
    request: Request,
    body: CsatBody,
    conversation_id: str = PathParam(..., regex=CONVERSATION_ID),
) -> Dict[str, Any]:
    ctx = ops.context(request)
    score = await ops.run(ctx, lambda uow: handoff.record_csat(uow, conversation_id, body.score))
    return {"ok": True, "score": score}
