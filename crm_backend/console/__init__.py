"""The staff console (``/console``) and the widget's live-handoff endpoints (``/api/chat``).

:func:`install` adds the routers, the console's templates and its static files to the web
app. Authorisation: ``deps.require_role("admin")`` for admin-only pages and APIs.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

CONSOLE_DIR = Path(__file__).resolve().parent


def install(app: FastAPI) -> None:
    """Mount the console on ``app`` (called once by the app factory)."""
    from crm_backend.console import api, chat, customer_actions, pages

    app.state.console_templates = Jinja2Templates(directory=str(CONSOLE_DIR / "templates"))
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(customer_actions.router)
    app.include_router(chat.router)
    app.mount(
        "/console/static",
        StaticFiles(directory=str(CONSOLE_DIR / "static")),
        name="console-static",
    )
