"""Incident records: the runbook's escalation matrix as response deadlines, every transition audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import AuditService
from aipair.auth.principal import Principal
from aipair.ops.errors import StaffOnly
from aipair.ops.incidents import repository as repo
from aipair.ops.incidents.errors import IncidentNotFound, IncidentTransition
from aipair.ops.incidents.schemas import IncidentRead
from aipair.ops.models import Incident, IncidentEvent

RESPONSE_TIME = {
    "P0": timedelta(minutes=15),
    "P1": timedelta(hours=1),
    "P2": timedelta(hours=4),
    "P3": timedelta(hours=24),
}
"""The runbook's escalation matrix: how soon an incident of each severity must be acknowledged."""


class IncidentService:
    """Open, acknowledge, annotate, resolve and list incidents (platform staff)."""

    def __init__(self, audit: AuditService) -> None:
        self._audit = audit

    async def open(
        self, session: AsyncSession, principal: Principal, severity: str, title: str, note: str | None = None
    ) -> IncidentRead:
        """Record a new incident; its response deadline follows from its severity."""
        _staff(principal)
        now = await repo.database_now(session)
        incident = await repo.add(
            session,
            Incident(
                severity=severity,
                title=title,
                status="open",
                opened_at=now,
                response_due_at=now + RESPONSE_TIME[severity],
                opened_by=principal.user_id,
            ),
        )
        await self._event(session, principal, incident, "opened", note or title)
        read = IncidentRead.of(incident, now)
        await self._audit_change(session, principal, "open", incident, None, read)
        return read

    async def acknowledge(
        self, session: AsyncSession, principal: Principal, incident_id: uuid.UUID, note: str | None = None
    ) -> IncidentRead:
        """Someone owns the incident now; acknowledging after the deadline is recorded as late."""
        return await self._transition(session, principal, incident_id, "acknowledged", note or "acknowledged")

    async def resolve(
        self, session: AsyncSession, principal: Principal, incident_id: uuid.UUID, resolution: str
    ) -> IncidentRead:
        """Close the incident with what fixed it."""
        return await self._transition(session, principal, incident_id, "resolved", resolution)

    async def note(
        self, session: AsyncSession, principal: Principal, incident_id: uuid.UUID, body: str
    ) -> IncidentRead:
        """Add a note to the timeline of an incident that is not resolved."""
        _staff_or_unknown(principal)
        incident = await self._load(session, incident_id)
        if incident.status == "resolved":
            raise IncidentTransition("The incident is resolved")
        now = await repo.database_now(session)
        before = IncidentRead.of(incident, now)
        await self._event(session, principal, incident, "note", body)
        after = await self.get(session, principal, incident_id)
        await self._audit_change(session, principal, "note", incident, before, after, body)
        return after

    async def get(self, session: AsyncSession, principal: Principal, incident_id: uuid.UUID) -> IncidentRead:
        _staff_or_unknown(principal)
        incident = await self._load(session, incident_id, lock=False)
        return IncidentRead.of(
            incident, await repo.database_now(session), await repo.events(session, incident.id)
        )

    async def id_of_number(self, session: AsyncSession, number: int) -> uuid.UUID:
        found = await repo.id_of_number(session, number)
        if found is None:
            raise IncidentNotFound(f"No incident {number}")
        return found

    async def listing(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        open_only: bool = False,
        overdue_only: bool = False,
    ) -> list[IncidentRead]:
        """Newest first; ``overdue_only``: unacknowledged past their response deadline."""
        _staff(principal)
        now = await repo.database_now(session)
        rows = await repo.listing(session, open_only=open_only, overdue_only=overdue_only, limit=500)
        return [IncidentRead.of(row, now) for row in rows]

    async def open_by_severity(self, session: AsyncSession) -> dict[str, int]:
        """Incidents not resolved, by severity (for the metrics)."""
        counts = await repo.open_by_severity(session)
        return {severity: counts.get(severity, 0) for severity in RESPONSE_TIME}

    async def _transition(
        self, session: AsyncSession, principal: Principal, incident_id: uuid.UUID, status: str, body: str
    ) -> IncidentRead:
        _staff_or_unknown(principal)
        incident = await self._load(session, incident_id)
        allowed = {"acknowledged": ("open",), "resolved": ("open", "acknowledged")}[status]
        if incident.status not in allowed:
            raise IncidentTransition(f"The incident is {incident.status}")
        now = await repo.database_now(session)
        before = IncidentRead.of(incident, now)
        incident.status = status
        if status == "acknowledged":
            incident.acknowledged_at = now
        else:
            incident.resolved_at, incident.resolution = now, body
            incident.acknowledged_at = incident.acknowledged_at or now
        await session.flush()
        await self._event(session, principal, incident, status, body)
        after = IncidentRead.of(incident, now)
        verb = "acknowledge" if status == "acknowledged" else "resolve"
        await self._audit_change(session, principal, verb, incident, before, after)
        return after

    async def _load(self, session: AsyncSession, incident_id: uuid.UUID, lock: bool = True) -> Incident:
        incident = await repo.get(session, incident_id, lock=lock)
        if incident is None:
            raise IncidentNotFound()
        return incident

    async def _event(
        self, session: AsyncSession, principal: Principal, incident: Incident, kind: str, body: str
    ) -> None:
        await repo.add_event(
            session,
            IncidentEvent(incident_id=incident.id, kind=kind, body=body, author_user_id=principal.user_id),
        )

    async def _audit_change(
        self,
        session: AsyncSession,
        principal: Principal,
        verb: str,
        incident: Incident,
        before: IncidentRead | None,
        after: IncidentRead,
        note: str | None = None,
    ) -> None:
        summary = after.model_dump(mode="json", exclude={"timeline"})
        if note is not None:
            summary["note"] = note
        await self._audit.record(
            session,
            principal,
            f"ops.incident.{verb}",
            "incident",
            incident.id,
            before=before.model_dump(mode="json", exclude={"timeline"}) if before else None,
            after=summary,
        )


def _staff(principal: Principal) -> None:
    if not principal.in_platform_context:
        raise StaffOnly()


def _staff_or_unknown(principal: Principal) -> None:
    """Customers learn nothing about an incident id, not even that it exists."""
    if not principal.in_platform_context:
        raise IncidentNotFound()
