"""The console's wiring: templates, static files and the pages' routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from aipair.web.pages import (
    account,
    action_items,
    companies,
    company_audit,
    dashboard,
    grants,
    invitations,
    keys,
    meetings,
    members,
    operations,
    security,
    settings,
)
from aipair.web.rendering import build_environment

STATIC = Path(__file__).parent / "static"
ROUTERS = (
    account.router,
    dashboard.router,
    keys.router,
    meetings.router,
    action_items.router,
    company_audit.router,
    companies.router,
    grants.router,
    security.router,
    members.router,
    settings.router,
    operations.router,
    invitations.router,
)


def install_console(app: FastAPI) -> None:
    """Serve the console from ``app`` (after the API's routers, so API paths always win)."""
    app.state.console_templates = build_environment()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
