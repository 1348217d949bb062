"""Incidents as the API shows them: deadlines, times to acknowledge and resolve, the timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from aipair.ops.models import Incident, IncidentEvent

Severity = Literal["P0", "P1", "P2", "P3"]


class IncidentCreate(BaseModel):
    severity: Severity
    title: str = Field(min_length=3, max_length=200)
    note: str | None = Field(None, max_length=5000)


class IncidentNote(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


class IncidentResolve(BaseModel):
    resolution: str = Field(min_length=3, max_length=5000)


class EventRead(BaseModel):
    kind: str
    body: str
    author_user_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, event: IncidentEvent) -> EventRead:
        return cls(
            kind=event.kind, body=event.body, author_user_id=event.author_user_id, created_at=event.created_at
        )


class IncidentRead(BaseModel):
    """An incident: ``overdue`` while unacknowledged past its response deadline (P0 15 min, P1 1 h,
    P2 4 h, P3 24 h); ``acknowledged_late`` when it was acknowledged after it."""

    id: uuid.UUID
    number: int
    severity: str
    title: str
    status: str
    opened_at: datetime
    response_due_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    overdue: bool
    acknowledged_late: bool
    seconds_to_acknowledge: float | None
    seconds_to_resolve: float | None
    timeline: list[EventRead] = Field(default_factory=list)

    @classmethod
    def of(cls, incident: Incident, now: datetime, events: list[IncidentEvent] | None = None) -> IncidentRead:
        acked, resolved = incident.acknowledged_at, incident.resolved_at
        return cls(
            id=incident.id,
            number=incident.number,
            severity=incident.severity,
            title=incident.title,
            status=incident.status,
            opened_at=incident.opened_at,
            response_due_at=incident.response_due_at,
            acknowledged_at=acked,
            resolved_at=resolved,
            resolution=incident.resolution,
            overdue=incident.status == "open" and now > incident.response_due_at,
            acknowledged_late=acked is not None and acked > incident.response_due_at,
            seconds_to_acknowledge=(acked - incident.opened_at).total_seconds() if acked else None,
            seconds_to_resolve=(resolved - incident.opened_at).total_seconds() if resolved else None,
            timeline=[EventRead.of(e) for e in events or []],
        )
