"""The company dashboard (OWNER, ADMIN, MANAGER)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from aipair.auth.dependencies import ApiKeys
from aipair.tenancy.dependencies import Tenancy
from aipair.usage.dependencies import Usage
from aipair.web.dashboard import dashboard as figures
from aipair.web.dependencies import ManagerPage
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/dashboard")
async def dashboard(page: ManagerPage, tenancy: Tenancy, usage: Usage, api_keys: ApiKeys) -> Response:
    """Usage against limits, budget, cost by model and by day, success rate, top keys."""
    return page.page("dashboard.html", title="Dashboard", **await figures(page, tenancy, usage, api_keys))
