"""Maintenance windows: everyone reads them; a SUPER_ADMIN announces, starts, ends and cancels them.

While a window is in progress every customer request answers 503 `maintenance` with `Retry-After`
set to the window's end; health checks, `/metrics`, this notice, sign-in and platform staff pass.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from aipair.auth.dependencies import AdminCaller, TenantSession
from aipair.db.dependencies import Sessions
from aipair.ops.maintenance.dependencies import Maintenance
from aipair.ops.maintenance.schemas import MaintenanceOn, MaintenanceStatus, WindowCreate, WindowRead

router = APIRouter(prefix="/api/maintenance", tags=["maintenance"])


@router.get("", response_model=MaintenanceStatus)
async def maintenance_status(
    maintenance: Maintenance,
    sessions: Sessions,
) -> MaintenanceStatus:
    """Whether the platform is in maintenance now, until when, and the windows announced (no sign-in
    needed: customers read the upcoming windows here, also during one)."""
    return await maintenance.public_status(sessions)


@router.post("/windows", response_model=WindowRead, status_code=201)
async def schedule_window(
    body: WindowCreate,
    principal: AdminCaller,
    session: TenantSession,
    maintenance: Maintenance,
) -> WindowRead:
    """Announce a window (SUPER_ADMIN): at least 48 hours ahead (default: the next Sunday 02:00 UTC),
    at most 2 hours; `emergency: true` skips the notice and is audited as an emergency."""
    return await maintenance.schedule(
        session, principal, body.reason, body.starts_at, body.duration_minutes, body.emergency
    )


@router.post("/on", response_model=WindowRead)
async def maintenance_on(
    body: MaintenanceOn,
    principal: AdminCaller,
    session: TenantSession,
    maintenance: Maintenance,
) -> WindowRead:
    """Maintenance now (SUPER_ADMIN): the announced window in progress, or an emergency window."""
    return await maintenance.turn_on(
        session, principal, body.reason, body.duration_minutes, body.emergency, body.until
    )


@router.post("/off", response_model=WindowRead)
async def maintenance_off(
    principal: AdminCaller,
    session: TenantSession,
    maintenance: Maintenance,
) -> WindowRead:
    """End the window in progress now (SUPER_ADMIN); every replica lets traffic in within a second."""
    return await maintenance.turn_off(session, principal)


@router.post("/windows/{window_id}/cancel", response_model=WindowRead)
async def cancel_window(
    window_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    maintenance: Maintenance,
) -> WindowRead:
    """Withdraw an announced window that has not started (SUPER_ADMIN)."""
    return await maintenance.cancel(session, principal, window_id)
