"""The analytics dashboard (admins and agents): numbers plus one server-rendered PNG."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from crm_backend.admin import analytics
from crm_backend.admin.routes import render
from crm_backend.console.deps import require_role, uow_factory
from crm_backend.services.staff_auth import StaffView

router = APIRouter(prefix="/console", include_in_schema=False)
staff_page = require_role("admin", "agent", page=True)


@router.get("/analytics")
async def analytics_page(
    request: Request,
    days: int = Query(30, ge=1, le=analytics.MAX_DAYS),
    staff: StaffView = Depends(staff_page),
) -> Response:
    make = uow_factory(request)
    view = await run_in_threadpool(lambda: analytics.dashboard(make(), days))
    return render(request, "analytics.html", staff=staff, page="analytics", view=view)


@router.get("/analytics/dashboard.png")
async def analytics_png(
    request: Request,
    days: int = Query(30, ge=1, le=analytics.MAX_DAYS),
    staff: StaffView = Depends(staff_page),
) -> Response:
    make = uow_factory(request)
    png = await run_in_threadpool(lambda: analytics.render_png(analytics.dashboard(make(), days)))
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
