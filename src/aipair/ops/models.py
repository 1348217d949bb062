"""The operations tables (platform-wide, no tenant): backups, drills, maintenance, incidents, rotations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin


class BackupRecord(IdMixin, TimestampMixin, Base):
    """A backup taken into the repository and the outcome of its latest verification."""

    __tablename__ = "ops_backups"
    __table_args__ = (Index("ix_ops_backups_finished", "finished_at"),)

    label: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    repository: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_ok: Mapped[bool | None] = mapped_column(Boolean)
    problems: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    pruned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DrillRecord(IdMixin, TimestampMixin, Base):
    """One restore drill: what was restored, whether it matched, the measured RTO and RPO."""

    __tablename__ = "ops_drills"
    __table_args__ = (Index("ix_ops_drills_finished", "finished_at"),)

    backup_label: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    passed: Mapped[bool] = mapped_column(Boolean)
    rto_seconds: Mapped[float | None] = mapped_column(Float)
    rpo_seconds: Mapped[float | None] = mapped_column(Float)
    tables_compared: Mapped[int] = mapped_column(Integer, server_default="0")
    mismatches: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    error: Mapped[str | None] = mapped_column(Text)


class MaintenanceWindow(IdMixin, TimestampMixin, Base):
    """An announced (or emergency) maintenance window; the platform is in maintenance inside it."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (Index("ix_maintenance_windows_ends", "ends_at"),)

    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(Boolean, server_default="false", default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Incident(IdMixin, TimestampMixin, Base):
    """An incident record with its severity, response deadline and life cycle."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status", "status", "response_due_at"),)

    number: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    severity: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="open", default="open")
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    response_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)


class IncidentEvent(IdMixin, Base):
    """One entry of an incident's timeline: opened, acknowledged, a note, resolved."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "created_at"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SecretRotation(IdMixin, Base):
    """When a credential of the platform was last changed (database password, secrets key)."""

    __tablename__ = "secret_rotations"
    __table_args__ = (Index("ix_secret_rotations_kind", "kind", "rotated_at"),)

    kind: Mapped[str] = mapped_column(String(32))
    rotated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
