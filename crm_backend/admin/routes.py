"""Admin pages and APIs: NLU inbox, retraining, model versions (admins only).

Pages under ``/console/admin/...`` (sign-in redirect, 403 for other roles), JSON APIs
under ``/console/api/admin/...`` (401 / 403). Every POST needs the session's CSRF token.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from crm_backend.admin import inbox, intents, promotion
from crm_backend.admin.context import AdminContext, admin_context, all_messages
from crm_backend.admin.versions import ModelVersion
from crm_backend.console.deps import check_csrf, csrf_token, require_role, uow_factory
from crm_backend.console.operations import http_error
from crm_backend.console.rasa_api import RasaUnavailable
from crm_backend.errors import CRMError
from crm_backend.services.staff_auth import StaffView

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/console", dependencies=[Depends(check_csrf)], include_in_schema=False)
admin_page = require_role("admin", page=True)
admin_api = require_role("admin")


def render(request: Request, name: str, **values: Any) -> Response:
    context = {"request": request, "csrf": csrf_token(request), **values}
    return request.app.state.admin_templates.TemplateResponse(name, context)


def actor(staff: StaffView) -> str:
    return f"staff:{staff.username}"


def _day(value: Optional[str], field: str) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise HTTPException(422, f"{field} must be a date like 2026-11-25.") from error


def message_json(message: inbox.InboxMessage) -> Dict[str, Any]:
    return {
        **asdict(message),
        "entities": [
            {**m.as_dict(), "text": message.text[m.start : m.end]} for m in message.entities
        ],
        "day": message.day,
        "needs_review": message.needs_review,
    }


async def _messages(request: Request, ctx: AdminContext) -> List[inbox.InboxMessage]:
    try:
        found = await all_messages(ctx)
    except Exception as error:  # noqa: BLE001 - the tracker store may be down or missing
        logger.warning("NLU inbox: the tracker store failed (%s)", type(error).__name__)
        raise HTTPException(502, "The conversation store is not reachable.") from error
    make = uow_factory(request)
    return await run_in_threadpool(lambda: inbox.with_annotations(make(), found))


@router.get("/admin/nlu")
async def inbox_page(
    request: Request,
    intent: str = Query("", max_length=100),
    language: str = Query("", max_length=8),
    day_from: str = Query("", alias="from", max_length=10),
    day_to: str = Query("", alias="to", max_length=10),
    pending: bool = False,
    staff: StaffView = Depends(admin_page),
) -> Response:
    ctx = admin_context(request)
    chosen = inbox.InboxFilter(
        intent or None,
        language or None,
        _day(day_from, "from"),
        _day(day_to, "to"),
        include_annotated=not pending,
    )
    messages = await _messages(request, ctx)
    make = uow_factory(request)
    created = await run_in_threadpool(lambda: inbox.created_intents(make(), ctx.intents))
    return render(
        request,
        "admin_inbox.html",
        staff=staff,
        page="nlu",
        messages=inbox.select(messages, chosen),
        counts=inbox.counts(messages),
        intents=sorted({*ctx.intents, *created}),
        created_intents=created,
        entity_types=ctx.domain.entities,
        seen_intents=sorted({m.intent for m in messages if m.intent}),
        chosen={"intent": intent, "language": language, "from": day_from, "to": day_to},
        pending=pending,
    )


@router.get("/api/admin/nlu/messages")
async def inbox_api(
    request: Request,
    intent: str = Query("", max_length=100),
    language: str = Query("", max_length=8),
    pending: bool = False,
    staff: StaffView = Depends(admin_api),
) -> Dict[str, Any]:
    ctx = admin_context(request)
    messages = await _messages(request, ctx)
    chosen = inbox.InboxFilter(intent or None, language or None, include_annotated=not pending)
    return {
        "items": [message_json(m) for m in inbox.select(messages, chosen)],
        "counts": inbox.counts(messages),
    }


class EntityIn(BaseModel):
    start: int = Field(..., ge=0, le=10_000)
    end: int = Field(..., ge=0, le=10_000)
    entity: str = Field(..., min_length=1, max_length=100)
    text: Optional[str] = Field(None, max_length=2000)  # what the admin selected (a check)


class AnnotationIn(BaseModel):
    conversation_id: str = Field(..., min_length=1, max_length=255)
    key: str = Field(..., min_length=1, max_length=64)
    status: str = Field(..., max_length=16)
    intent: Optional[str] = Field(None, max_length=100)
    new_intent: bool = False  # create ``intent`` (validated) instead of picking one
    entities: List[EntityIn] = Field(default_factory=list, max_items=50)


@router.post("/api/admin/nlu/annotations")
async def annotate(
    request: Request, body: AnnotationIn, staff: StaffView = Depends(admin_api)
) -> Dict[str, Any]:
    ctx = admin_context(request)
    make = uow_factory(request)
    try:
        events = await ctx.source.events(body.conversation_id)
    except Exception as error:  # noqa: BLE001 - the tracker store may be down
        logger.warning("NLU inbox: the tracker store failed (%s)", type(error).__name__)
        raise HTTPException(502, "The conversation store is not reachable.") from error
    try:
        message = inbox.find_message(inbox.user_messages(body.conversation_id, events), body.key)
        view = await run_in_threadpool(
            lambda: inbox.annotate(
                make(),
                message=message,
                status=body.status,
                intent=body.intent,
                known_intents=ctx.intents,
                actor=actor(staff),
                new_intent=body.new_intent,
                entities=[(e.start, e.end, e.entity, e.text) for e in body.entities],
                domain=ctx.domain,
            )
        )
    except CRMError as error:
        raise http_error(error) from error
    return asdict(view)


@router.post("/api/admin/nlu/export")
async def export(request: Request, staff: StaffView = Depends(admin_api)) -> Dict[str, Any]:
    ctx = admin_context(request)
    make = uow_factory(request)
    summary = await run_in_threadpool(lambda: inbox.export_annotations(make, ctx.root))
    new = intents.new_intents(summary.intents, ctx.domain)
    return {"train": summary.train, "test": summary.test, "new_intents": new}


def version_json(version: ModelVersion, live: Optional[str]) -> Dict[str, Any]:
    return {**asdict(version), "live": version.id == live}


@router.get("/admin/models")
async def models_page(request: Request, staff: StaffView = Depends(admin_page)) -> Response:
    ctx = admin_context(request)
    versions = await run_in_threadpool(ctx.registry.list)
    live = ctx.registry.live_id()
    return render(
        request,
        "admin_models.html",
        staff=staff,
        page="models",
        versions=versions,
        live=live,
        job=ctx.jobs.view(),
    )


@router.get("/api/admin/models")
async def models_api(request: Request, staff: StaffView = Depends(admin_api)) -> Dict[str, Any]:
    ctx = admin_context(request)
    versions = await run_in_threadpool(ctx.registry.list)
    live = ctx.registry.live_id()
    return {"live": live, "versions": [version_json(v, live) for v in versions]}


@router.post("/api/admin/models/train", status_code=202)
async def start_training(request: Request, staff: StaffView = Depends(admin_api)) -> Any:
    ctx = admin_context(request)
    try:
        job_id = ctx.jobs.start(staff.username)
    except CRMError as error:
        raise http_error(error) from error
    make = uow_factory(request)

    def audit() -> None:
        with make() as uow:
            uow.audit.record(actor(staff), "nlu_model.train", "nlu_model", job_id, {})
            uow.commit()

    await run_in_threadpool(audit)
    return JSONResponse({"job": job_id}, status_code=202)


@router.get("/api/admin/models/job")
async def job_status(
    request: Request, job: str = Query("", max_length=64), staff: StaffView = Depends(admin_api)
) -> Dict[str, Any]:
    ctx = admin_context(request)
    try:
        view = ctx.jobs.view(job or None)
    except CRMError as error:
        raise http_error(error) from error
    return {"job": asdict(view) if view else None, "running": ctx.jobs.running()}


@router.post("/api/admin/models/{version_id}/promote")
async def promote(
    request: Request, version_id: str, staff: StaffView = Depends(admin_api)
) -> Dict[str, Any]:
    ctx = admin_context(request)
    try:
        result = await promotion.promote(
            ctx.settings, ctx.registry, uow_factory(request), version_id, actor(staff)
        )
    except RasaUnavailable as error:
        raise HTTPException(502, f"{error}; the live model is unchanged.") from error
    except CRMError as error:
        raise http_error(error) from error
    return {"live": result.version.id, "previous": result.previous, "rollback": result.rollback}


@router.get("/admin/models/{version_id}/confusion.png")
async def confusion(
    request: Request, version_id: str, staff: StaffView = Depends(admin_page)
) -> Response:
    ctx = admin_context(request)
    try:
        path = ctx.registry.confusion_png(version_id)
    except CRMError as error:
        raise http_error(error) from error
    if not path.is_file():
        raise HTTPException(404, "No confusion matrix for this version.")
    return FileResponse(path, media_type="image/png")
