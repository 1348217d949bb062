"""Incident records (platform staff): the runbook's severities P0-P3 with their response deadlines
(15 min, 1 h, 4 h, 24 h), acknowledgement and resolution times, a timeline of notes; every
transition is in the audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from aipair.auth.dependencies import AdminCaller, TenantSession
from aipair.ops.incidents.dependencies import Incidents
from aipair.ops.incidents.schemas import IncidentCreate, IncidentNote, IncidentRead, IncidentResolve

router = APIRouter(prefix="/api/ops/incidents", tags=["operations"])


@router.get("", response_model=list[IncidentRead])
async def list_incidents(
    principal: AdminCaller,
    session: TenantSession,
    incidents: Incidents,
    open_only: Annotated[bool, Query(alias="open", description="Only those not resolved")] = False,
    overdue: Annotated[bool, Query(description="Only unacknowledged ones past their deadline")] = False,
) -> list[IncidentRead]:
    """Incidents, newest first."""
    return await incidents.listing(session, principal, open_only=open_only, overdue_only=overdue)


@router.post("", response_model=IncidentRead, status_code=201)
async def open_incident(
    body: IncidentCreate,
    principal: AdminCaller,
    session: TenantSession,
    incidents: Incidents,
) -> IncidentRead:
    """Open an incident; its response deadline follows from its severity."""
    return await incidents.open(session, principal, body.severity, body.title, body.note)


@router.get("/{incident_id}", response_model=IncidentRead)
async def get_incident(
    incident_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    incidents: Incidents,
) -> IncidentRead:
    """One incident with its timeline."""
    return await incidents.get(session, principal, incident_id)


@router.post("/{incident_id}/ack", response_model=IncidentRead)
async def acknowledge_incident(
    incident_id: uuid.UUID,
    principal: AdminCaller,
    session: TenantSession,
    incidents: Incidents,
) -> IncidentRead:
    """Acknowledge: someone owns it now (after the deadline it shows as acknowledged late)."""
    return await incidents.acknowledge(session, principal, incident_id)


@router.post("/{incident_id}/notes", response_model=IncidentRead)
async def note_incident(
    incident_id: uuid.UUID,
    body: IncidentNote,
    principal: AdminCaller,
    session: TenantSession,
    incidents: Incidents,
) -> IncidentRead:
    """Add a note to the timeline."""
    return await incidents.note(session, principal, incident_id, body.body)


@router.post("/{incident_id}/resolve", response_model=IncidentRead)
async def resolve_incident(
    incident_id: uuid.UUID,
    body: IncidentResolve,
    principal: AdminCaller,
    session: TenantSession,
    incidents: Incidents,
) -> IncidentRead:
    """Resolve with what fixed it."""
    return await incidents.resolve(session, principal, incident_id, body.resolution)
