"""Public HTML pages: the shop's demo storefront with the chat widget."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from crm_backend.settings import Settings
from crm_backend.web.deps import get_app_settings, get_templates

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def storefront(
    request: Request,
    settings: Annotated[Settings, Depends(get_app_settings)],
    templates: Annotated[Jinja2Templates, Depends(get_templates)],
) -> Response:
    # Serialised by the template's ``tojson`` filter (HTML-safe JSON), never concatenated.
    widget_config = {"rasaUrl": settings.rasa_url, "open": True}
    return templates.TemplateResponse(
        "storefront.html", {"request": request, "widget_config": widget_config}
    )
