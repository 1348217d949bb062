"""Tables of the job queue: ``jobs`` and their ``job_logs`` (platform infrastructure, no tenant)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin


class JobState(enum.StrEnum):
    """Where a job is: waiting, held by a worker, or finished one way or another."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(IdMixin, TimestampMixin, Base):
    """One unit of background work; ``args`` hold ids only (tenant ids included), never objects."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_ready", text("priority DESC"), "run_after", postgresql_where=text("state = 'queued'")),
        Index("ix_jobs_leases", "locked_until", postgresql_where=text("state = 'running'")),
        Index("ix_jobs_created", "created_at"),
        Index("uq_jobs_running_lock", "lock", unique=True, postgresql_where=text("state = 'running'")),
        Index(
            "uq_jobs_queueing_lock", "queueing_lock", unique=True, postgresql_where=text("state = 'queued'")
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED, server_default="queued")
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lock: Mapped[str | None] = mapped_column(String(200))
    queueing_lock: Mapped[str | None] = mapped_column(String(200))
    schedule_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    lock_token: Mapped[uuid.UUID | None] = mapped_column()
    locked_by: Mapped[str | None] = mapped_column(String(200))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progress: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    stage: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobLog(Base):
    """A line a job (or the runner about it) wrote during one attempt."""

    __tablename__ = "job_logs"
    __table_args__ = (Index("ix_job_logs_job", "job_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
