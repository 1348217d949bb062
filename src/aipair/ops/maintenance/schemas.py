"""Maintenance windows as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from aipair.ops.models import MaintenanceWindow


class WindowRead(BaseModel):
    """A maintenance window: the platform answers 503 ``maintenance`` between its start and end."""

    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str
    emergency: bool
    in_progress: bool

    @classmethod
    def of(cls, window: MaintenanceWindow, now: datetime) -> WindowRead:
        ends = window.ended_at or window.ends_at
        return cls(
            id=window.id,
            starts_at=window.starts_at,
            ends_at=ends,
            reason=window.reason,
            emergency=window.emergency,
            in_progress=window.starts_at <= now < ends,
        )


class MaintenanceStatus(BaseModel):
    """Whether the platform is in maintenance now, and the windows announced."""

    in_maintenance: bool
    until: datetime | None
    windows: list[WindowRead]


class WindowCreate(BaseModel):
    """Announce a window: at least 48 hours ahead unless ``emergency`` (audited), at most 2 hours."""

    starts_at: datetime | None = Field(
        None, description="Default: the next regular window (Sunday 02:00 UTC)"
    )
    duration_minutes: int | None = Field(None, ge=1, le=24 * 60, description="Default 120")
    reason: str = Field(min_length=3, max_length=500)
    emergency: bool = False


class MaintenanceOn(BaseModel):
    """Turn maintenance on now: inside an announced window, or as an emergency (with a reason) for
    ``duration_minutes`` (default 60) or ``until`` a time (at most the longest window)."""

    duration_minutes: int | None = Field(None, ge=1, le=24 * 60)
    until: datetime | None = None
    reason: str | None = Field(None, min_length=3, max_length=500)
    emergency: bool = False
