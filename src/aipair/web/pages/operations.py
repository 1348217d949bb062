"""Operations for platform admins: the health of each component, as the health endpoints report it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from aipair.health.dependencies import Health
from aipair.web.dependencies import SuperAdminPage
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/operations")
async def operations(
    page: SuperAdminPage,
    checks: Health,
) -> Response:
    """Database, AI providers and integrations, checked now (the AI check never spends tokens)."""
    db_ok, database = await checks.database()
    ai_ok, ai = checks.ai()
    integrations_ok, integrations = await checks.integrations()
    components = [
        ("Application", True, "ok", {}),
        ("Database", db_ok, database.get("status", ""), database),
        ("AI providers", ai_ok, ai.get("status", ""), ai),
        ("Integrations", integrations_ok, integrations.get("status", ""), integrations),
    ]
    return page.page("operations.html", title="Operations", components=components, providers=ai["providers"])
