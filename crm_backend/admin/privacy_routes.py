"""Privacy requests (GDPR/PIPL) in the admin area: thin routes over the services.

- ``GET  /console/admin/privacy``: the open requests (oldest first, overdue flagged) and
  the recently closed ones;
- ``GET  /console/admin/privacy/export?customer=ID``: the customer's export as a JSON
  download (audited);
- ``POST /console/admin/privacy/requests/{id}/complete`` (form, CSRF token): a deletion
  request erases the customer; an export request downloads the export and is completed;
- ``GET  /console/api/admin/privacy/requests``: the same list as JSON.

Admins only: anonymous -> sign-in redirect (pages) or 401 (API), other roles -> 403.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crm_backend.admin.routes import actor, admin_api, admin_page, render
from crm_backend.analytics.tracker_events import TrackerEvents
from crm_backend.console.deps import app_settings, check_csrf, uow_factory
from crm_backend.console.operations import http_error
from crm_backend.errors import CRMError
from crm_backend.services import data_requests
from crm_backend.services.data_erasure import erase_customer
from crm_backend.services.data_export import export_customer
from crm_backend.services.staff_auth import StaffView

router = APIRouter(prefix="/console", dependencies=[Depends(check_csrf)], include_in_schema=False)
_lock = threading.Lock()
PAGE = "/console/admin/privacy"


def tracker(request: Request) -> TrackerEvents:
    """Rasa's tracker store of the app's settings (built on first use)."""
    state = request.app.state
    found: Optional[TrackerEvents] = getattr(state, "privacy_tracker", None)
    if found is None:
        with _lock:
            found = getattr(state, "privacy_tracker", None)
            if found is None:
                found = TrackerEvents(app_settings(request).tracker_url)
                state.privacy_tracker = found
    return found


def _download(document: Dict[str, Any], customer_id: int) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}-export.json"',
            "Cache-Control": "no-store",
        },
    )


async def _page(
    request: Request,
    staff: StaffView,
    *,
    notice: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    make = uow_factory(request)
    views = await run_in_threadpool(lambda: data_requests.list_requests(make(), open_only=False))
    response = render(
        request,
        "admin_privacy.html",
        staff=staff,
        page="privacy",
        requests=views,
        notice=notice,
        error=error,
    )
    response.status_code = status_code
    return response


@router.get("/admin/privacy")
async def privacy_page(
    request: Request,
    done: int = Query(0, ge=0),
    staff: StaffView = Depends(admin_page),
) -> Response:
    notice = f"Request DR-{done:06d} completed: the customer's data was erased." if done else ""
    return await _page(request, staff, notice=notice)


@router.get("/api/admin/privacy/requests")
async def privacy_api(
    request: Request, open_only: bool = False, staff: StaffView = Depends(admin_api)
) -> Dict[str, Any]:
    make = uow_factory(request)
    views = await run_in_threadpool(
        lambda: data_requests.list_requests(make(), open_only=open_only)
    )
    return {"items": [asdict(view) for view in views]}


@router.get("/admin/privacy/export")
async def export_download(
    request: Request,
    customer: int = Query(..., ge=1),
    staff: StaffView = Depends(admin_page),
) -> Response:
    make, store = uow_factory(request), tracker(request)
    try:
        document = await run_in_threadpool(
            lambda: export_customer(make(), customer, tracker=store, actor=actor(staff))
        )
    except CRMError as error:
        raise http_error(error) from error
    return _download(document, customer)


@router.post("/admin/privacy/requests/{request_id}/complete")
async def complete_request(
    request: Request, request_id: int, staff: StaffView = Depends(admin_page)
) -> Response:
    make, store = uow_factory(request), tracker(request)
    try:
        view = await run_in_threadpool(lambda: data_requests.get_request(make(), request_id))
        if view.kind == "export":
            document = await run_in_threadpool(
                lambda: export_customer(
                    make(), view.customer_id, tracker=store, request_id=view.id, actor=actor(staff)
                )
            )
            return _download(document, view.customer_id)
        await run_in_threadpool(
            lambda: erase_customer(make(), view.customer_id, store, view.id, actor=actor(staff))
        )
    except CRMError as error:
        status = http_error(error).status_code
        return await _page(request, staff, error=error.message, status_code=status)
    return RedirectResponse(f"{PAGE}?done={view.id}", status_code=303)
