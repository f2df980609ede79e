"""Admin area of the console: NLU inbox, retraining, model versions, analytics, privacy
requests (GDPR).

:func:`install` adds the routers (``/console/admin/...`` pages, ``/console/api/admin/...``
APIs) to the web app. Everything except the analytics dashboard needs the admin role.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

ADMIN_DIR = Path(__file__).resolve().parent
CONSOLE_TEMPLATES = ADMIN_DIR.parent / "console" / "templates"


def install(app: "FastAPI") -> None:
    """Mount the admin pages on ``app`` (called once by the app factory)."""
    # imported here: ``bot.topology`` imports ``crm_backend.admin.versions`` without a web app
    import jinja2
    from fastapi.staticfiles import StaticFiles
    from fastapi.templating import Jinja2Templates

    from crm_backend.admin import analytics_routes, privacy_routes, routes

    folders = [str(ADMIN_DIR / "templates"), str(CONSOLE_TEMPLATES)]  # extends base.html
    app.state.admin_templates = Jinja2Templates(
        directory=folders[0], loader=jinja2.FileSystemLoader(folders)
    )
    app.include_router(routes.router)
    app.include_router(analytics_routes.router)
    app.include_router(privacy_routes.router)
    app.mount(
        "/console/admin/static",
        StaticFiles(directory=str(ADMIN_DIR / "static")),
        name="admin-static",
    )
