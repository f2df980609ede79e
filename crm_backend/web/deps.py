"""Request-scoped dependencies shared by the routers (settings, templates)."""

from __future__ import annotations

from fastapi import Request
from fastapi.templating import Jinja2Templates

from crm_backend.settings import Settings


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (not re-read from the environment)."""
    settings: Settings = request.app.state.settings
    return settings


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates
