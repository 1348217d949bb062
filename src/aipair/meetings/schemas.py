"""Input and output shapes of the meeting routes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aipair.meetings.minutes import Priority

EngineName = Literal["local", "llm"]
ReviewStatus = Literal["confirmed", "edited", "rejected"]


@dataclass(frozen=True, slots=True)
class MeetingFilter:
    """Which meetings a list shows: visibility (creator or key) and the caller's filters."""

    created_by: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    query: str | None = None


class MeetingUpload(BaseModel):
    """The form fields of an upload (the file travels next to them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, max_length=300)
    meeting_date: dt.date | None = None
    language: Literal["en", "es"] | None = None
    attendees: list[str] = Field(default_factory=list, max_length=200)
    engine: EngineName = "local"

    @field_validator("attendees", mode="before")
    @classmethod
    def _split_attendees(cls, value: Any) -> Any:
        """A form sends one string: a JSON list, or names separated by commas or new lines."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]
        return value


class UploadedFile(BaseModel):
    """The uploaded file as the service sees it."""

    filename: str
    content_type: str | None
    data: bytes


class JobRead(BaseModel):
    """The background job processing a meeting."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    state: str
    attempts: int
    max_attempts: int
    progress: int
    stage: str | None
    last_error: str | None
    run_after: dt.datetime


class MeetingAccepted(BaseModel):
    """Answer to an upload or a reprocess request: the meeting and its job."""

    id: uuid.UUID
    status: str
    duplicate: bool = False
    job: JobRead | None


class MeetingSummary(BaseModel):
    """A meeting in a list."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str | None
    meeting_date: dt.date
    language: str | None
    engine: str
    status: str
    progress: int
    stage: str | None
    source_filename: str
    source_kind: str
    media_type: str
    size_bytes: int
    created_by: uuid.UUID | None
    created_at: dt.datetime
    processed_at: dt.datetime | None


class SegmentRead(BaseModel):
    """One segment of the transcript."""

    index: int
    speaker: str | None
    start: float | None
    end: float | None
    text: str


class ActionItemRead(BaseModel):
    """An action item with its review state and the segments it came from."""

    id: uuid.UUID
    meeting_id: uuid.UUID
    task: str
    owner_user_id: uuid.UUID | None
    owner_name: str | None
    due_date: dt.date | None
    due_text: str | None
    priority: str
    confidence: float | None = Field(
        default=None, description="How sure the engine is that this is a real action item (0–1)"
    )
    status: str
    segment_refs: list[int]
    sources: list[SegmentRead] = Field(default_factory=list)
    updated_by: uuid.UUID | None
    updated_at: dt.datetime


class ActionItemUpdate(BaseModel):
    """Confirm or reject an action item, or edit it (an edit sets the status to ``edited``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: ReviewStatus | None = None
    task: str | None = Field(default=None, min_length=1, max_length=2000)
    owner_user_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    due_text: str | None = Field(default=None, max_length=200)
    priority: Priority | None = None

    @model_validator(mode="after")
    def _something_to_do(self) -> ActionItemUpdate:
        if not self.model_fields_set:
            raise ValueError("send a status or at least one field to change")
        return self

    def edits(self) -> dict[str, Any]:
        """The fields to change besides ``status``."""
        return {k: getattr(self, k) for k in self.model_fields_set if k != "status"}


class MeetingDetail(MeetingSummary):
    """A meeting with its job, minutes and action items."""

    attendees: list[str]
    segment_count: int | None
    chunk_count: int | None
    estimated_cost_micro_usd: int | None
    error: dict[str, Any] | None
    job: JobRead | None
    minutes: dict[str, Any] | None
    action_items: list[ActionItemRead]


class ReprocessRequest(BaseModel):
    """Optionally switch engine when reprocessing."""

    model_config = ConfigDict(extra="forbid")

    engine: EngineName | None = None
