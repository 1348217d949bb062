"""Operations for platform admins: the health of each component, maintenance windows, incidents,
backups and restore drills."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from aipair.health.service import ai_health, database_health, integrations_health
from aipair.ops.incidents.schemas import IncidentCreate, IncidentResolve
from aipair.ops.maintenance.schemas import WindowCreate
from aipair.web.context import redirect
from aipair.web.dependencies import SuperAdminPage
from aipair.web.forms import form_values, parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/operations")
async def operations(page: SuperAdminPage) -> Response:
    """Database, AI providers and integrations checked now (the AI check never spends tokens),
    maintenance, open incidents, the newest backups and drills."""
    rt, db, who = page.runtime, page.db, page.principal
    db_ok, database = await database_health(rt)
    ai_ok, ai = ai_health(rt.gateway.router)
    integrations_ok, integrations = await integrations_health(rt)
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
        maintenance=await rt.maintenance.status(db),
        incidents=await rt.incidents.listing(db, who),
        backups=await rt.backups.overview(db, who),
    )


@router.post("/operations/maintenance/on")
async def maintenance_on(
    page: SuperAdminPage,
    reason: Annotated[str, Form(min_length=3, max_length=2000)],
    duration_minutes: Annotated[int, Form(ge=1, le=24 * 60)] = 60,
) -> Response:
    """Emergency maintenance from now (customers get the maintenance page; staff keep working)."""
    await page.runtime.maintenance.turn_on(page.db, page.principal, reason, duration_minutes, emergency=True)
    return redirect("/operations", "maintenance_on")


@router.post("/operations/maintenance/off")
async def maintenance_off(page: SuperAdminPage) -> Response:
    """End the window in progress now."""
    await page.runtime.maintenance.turn_off(page.db, page.principal)
    return redirect("/operations", "maintenance_off")


@router.post("/operations/maintenance/windows")
async def announce_window(request: Request, page: SuperAdminPage) -> Response:
    """Announce a window (48 hours ahead at least; default: the next regular Sunday window)."""
    data = parse(WindowCreate, await form_values(request))
    await page.runtime.maintenance.schedule(
        page.db, page.principal, data.reason, data.starts_at, data.duration_minutes
    )
    return redirect("/operations", "window_announced")


@router.post("/operations/incidents")
async def open_incident(request: Request, page: SuperAdminPage) -> Response:
    """Record an incident with its severity (P0–P3) and response deadline."""
    data = parse(IncidentCreate, await form_values(request))
    await page.runtime.incidents.open(page.db, page.principal, data.severity, data.title, data.note)
    return redirect("/operations", "incident_opened")


@router.post("/operations/incidents/{incident_id}/acknowledge")
async def acknowledge_incident(incident_id: uuid.UUID, page: SuperAdminPage) -> Response:
    """Acknowledge an incident (its response deadline is met or missed now)."""
    await page.runtime.incidents.acknowledge(page.db, page.principal, incident_id)
    return redirect("/operations", "incident_updated")


@router.post("/operations/incidents/{incident_id}/resolve")
async def resolve_incident(incident_id: uuid.UUID, request: Request, page: SuperAdminPage) -> Response:
    """Resolve an incident with what was done."""
    data = parse(IncidentResolve, await form_values(request))
    await page.runtime.incidents.resolve(page.db, page.principal, incident_id, data.resolution)
    return redirect("/operations", "incident_updated")
