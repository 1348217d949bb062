"""Bodies of the webhook routes. The delivery log shows status codes and outcomes, never response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SecretCreated(BaseModel):
    """A new signing secret, shown once."""

    secret: str = Field(description="The signing secret (`whsec_…`). Shown once; stored sealed.")
    previous_valid_until: datetime | None = Field(
        description="Until when deliveries are also signed with the secret it replaced"
    )


class SecretRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_hours: int = Field(
        default=24, ge=0, le=168, description="How long deliveries also carry the old secret's signature"
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    status_code: int | None = Field(description="The receiver's HTTP status (none without an answer)")
    outcome: str = Field(
        description="delivered, http_error, redirect_not_followed, timeout, connect_error, "
        "https_required, address_not_allowed or invalid_url"
    )
    duration_ms: int
    created_at: datetime


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    message_id: str = Field(description="The `webhook-id` header of every attempt")
    event_type: str
    url: str
    status: str = Field(description="pending, delivered or failed")
    attempts: list[AttemptRead]
    created_at: datetime
    finished_at: datetime | None
