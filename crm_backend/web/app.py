"""Application factory of the CRM web app.

``uvicorn crm_backend.web.app:create_app --factory`` — no app object is built at import time.
Routers live in their own modules (``pages``, ``health``; the staff console adds
``console/...`` routers under ``/console``) and stay thin.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.responses import Response
from starlette.types import Scope

from crm_backend import admin, console, log_masking
from crm_backend.settings import Settings, get_settings
from crm_backend.web import documents, errors, health, pages
from crm_backend.web.security import SecurityHeadersMiddleware, security_headers

log_masking.install()  # no e-mail, phone or card number in the web app's logs

WEB_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = WEB_DIR.parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
APP_STATIC_DIR = WEB_DIR / "static"
WIDGET_DIR = PROJECT_ROOT / "bot" / "widget"

_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}


class Assets(StaticFiles):
    """Static files with explicit UTF-8 content types and revalidation on every load."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        content_type = _CONTENT_TYPES.get(Path(full_path).suffix.lower())
        if content_type and response.status_code == 200:
            response.headers["content-type"] = content_type
        response.headers["cache-control"] = "no-cache"
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app; ``settings`` defaults to :func:`get_settings`."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Shop CRM",
        docs_url=None,  # the docs UI loads scripts from a CDN; the network is closed
        redoc_url=None,
        openapi_url=None,
    )
    headers = security_headers(settings.rasa_url)
    app.state.settings = settings
    app.state.security_headers = headers
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

    app.add_middleware(SecurityHeadersMiddleware, headers=headers)
    errors.install_error_handlers(app)

    app.mount("/static/widget", Assets(directory=WIDGET_DIR), name="widget")
    app.mount("/static/app", Assets(directory=APP_STATIC_DIR), name="app-static")
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(documents.router)
    console.install(app)  # staff console (/console) + live handoff for the widget (/api/chat)
    admin.install(app)  # NLU inbox, retraining, model versions, analytics (/console/admin)
    return app
