"""Operations for platform admins: the health of each component, maintenance windows, incidents,
backups and restore drills."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from aipair.health.dependencies import Health
from aipair.ops.backups.dependencies import Backups
from aipair.ops.incidents.dependencies import Incidents
from aipair.ops.incidents.schemas import IncidentCreate, IncidentResolve
from aipair.ops.maintenance.dependencies import Maintenance
from aipair.ops.maintenance.schemas import WindowCreate
from aipair.web.context import redirect
from aipair.web.dependencies import SuperAdminPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/operations")
async def operations(
    page: SuperAdminPage,
    checks: Health,
    maintenance: Maintenance,
    incidents: Incidents,
    backups: Backups,
) -> Response:
    """Database, AI providers and integrations checked now (the AI check never spends tokens),
    maintenance, open incidents, the newest backups and drills."""
    db, who = page.db, page.principal
    db_ok, database = await checks.database()
    ai_ok, ai = checks.ai()
    integrations_ok, integrations = await checks.integrations()
    components = [
        ("Application", True, "ok", {}),
        ("Database", db_ok, database.get("status", ""), database),
        ("AI providers", ai_ok, ai.get("status", ""), ai),
        ("Integrations", integrations_ok, integrations.get("status", ""), integrations),
    ]
    return page.page(
        "operations.html",
        title="Operations",
        components=components,
        providers=ai["providers"],
        maintenance=await maintenance.status(db),
        incidents=await incidents.listing(db, who),
        backups=await backups.overview(db, who),
    )


@router.post("/operations/maintenance/on")
async def maintenance_on(
    page: SuperAdminPage,
    maintenance: Maintenance,
    reason: Annotated[str, Form(min_length=3, max_length=2000)],
    duration_minutes: Annotated[int, Form(ge=1, le=24 * 60)] = 60,
) -> Response:
    """Emergency maintenance from now (customers get the maintenance page; staff keep working)."""
    await maintenance.turn_on(page.db, page.principal, reason, duration_minutes, emergency=True)
    return redirect("/operations", "maintenance_on")


@router.post("/operations/maintenance/off")
async def maintenance_off(
    page: SuperAdminPage,
    maintenance: Maintenance,
) -> Response:
    """End the window in progress now."""
    await maintenance.turn_off(page.db, page.principal)
    return redirect("/operations", "maintenance_off")


@router.post("/operations/maintenance/windows")
async def announce_window(
    request: Request,
    page: SuperAdminPage,
    maintenance: Maintenance,
) -> Response:
    """Announce a window (48 hours ahead at least; default: the next regular Sunday window)."""
    data = parse(WindowCreate, await form_values(request))
    await maintenance.schedule(page.db, page.principal, data.reason, data.starts_at, data.duration_minutes)
    return redirect("/operations", "window_announced")


@router.post("/operations/incidents")
async def open_incident(
    request: Request,
    page: SuperAdminPage,
    incidents: Incidents,
) -> Response:
    """Record an incident with its severity (P0–P3) and response deadline."""
    data = parse(IncidentCreate, await form_values(request))
    await incidents.open(page.db, page.principal, data.severity, data.title, data.note)
    return redirect("/operations", "incident_opened")


@router.post("/operations/incidents/{incident_id}/acknowledge")
async def acknowledge_incident(
    incident_id: uuid.UUID,
    page: SuperAdminPage,
    incidents: Incidents,
) -> Response:
    """Acknowledge an incident (its response deadline is met or missed now)."""
    await incidents.acknowledge(page.db, page.principal, incident_id)
    return redirect("/operations", "incident_updated")


@router.post("/operations/incidents/{incident_id}/resolve")
async def resolve_incident(
    incident_id: uuid.UUID,
    request: Request,
    page: SuperAdminPage,
    incidents: Incidents,
) -> Response:
    """Resolve an incident with what was done."""
    data = parse(IncidentResolve, await form_values(request))
    await incidents.resolve(page.db, page.principal, incident_id, data.resolution)
    return redirect("/operations", "incident_updated")
