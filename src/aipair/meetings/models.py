"""Tables of the meeting processor: meetings, their segments, minutes and action items."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column

from aipair.db.base import Base, IdMixin, TimestampMixin


class MeetingStatus(enum.StrEnum):
    """Where a meeting is in processing."""

    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    ANALYSING = "analysing"
    AWAITING_BUDGET = "awaiting_budget"
    DONE = "done"
    FAILED = "failed"


class Engine(enum.StrEnum):
    """Who writes the minutes: the offline rule-based engine or a model through the gateway."""

    LOCAL = "local"
    LLM = "llm"


class ActionStatus(enum.StrEnum):
    """Review state of an action item: drafts until a member confirms, edits or rejects them."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"
    EDITED = "edited"
    REJECTED = "rejected"


class Meeting(IdMixin, TimestampMixin, Base):
    """An uploaded meeting: its source file (stored here, counted toward storage) and its processing."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("company_id", "content_sha256", name="uq_meetings_company_content"),
        Index("ix_meetings_company_created", "company_id", text("created_at DESC"), "id"),
        Index("ix_meetings_company_creator", "company_id", "created_by", text("created_at DESC")),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(300))
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(8))
    attendees: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    engine: Mapped[str] = mapped_column(String(8))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_format: Mapped[str] = mapped_column(String(16))
    source_filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content_sha256: Mapped[str] = mapped_column(CHAR(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.QUEUED, server_default="queued")
    progress: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    stage: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    segment_count: Mapped[int | None] = mapped_column(Integer)
    chunk_count: Mapped[int | None] = mapped_column(Integer)
    estimated_cost_micro_usd: Mapped[int | None] = mapped_column(BigInteger)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class MeetingSegment(Base):
    """One parsed (or transcribed) stretch of speech; ``idx`` is what ``segment_refs`` point at."""

    __tablename__ = "meeting_segments"
    __table_args__ = (Index("ix_meeting_segments_meeting", "meeting_id"),)

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str | None] = mapped_column(String(200))
    start_s: Mapped[float | None] = mapped_column(Double)
    end_s: Mapped[float | None] = mapped_column(Double)
    text: Mapped[str] = mapped_column(Text)


class MeetingMinutes(TimestampMixin, Base):
    """The validated minutes of a meeting (one row per meeting, replaced on reprocessing)."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (Index("ix_meeting_minutes_company", "company_id", "meeting_id"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    minutes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    engine: Mapped[str] = mapped_column(String(8))
    model: Mapped[str | None] = mapped_column(String(128))


class MeetingActionItem(IdMixin, TimestampMixin, Base):
    """An action item under review: owner resolved to a member when the name matches one."""

    __tablename__ = "action_items"
    __table_args__ = (
        UniqueConstraint("company_id", "meeting_id", "position", name="uq_action_items_meeting_position"),
        Index("ix_action_items_company_owner", "company_id", "owner_user_id", "due_date"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    task: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    due_text: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(8), default="medium", server_default="medium")
    confidence: Mapped[float | None] = mapped_column(
        Double, CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range")
    )
    segment_refs: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), default=list, server_default=text("'{}'::integer[]")
    )
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.DRAFT, server_default="draft")
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
