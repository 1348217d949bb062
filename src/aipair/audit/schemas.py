"""Response bodies of the audit trail routes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


@dataclass(frozen=True)
class AuditFilters:
    """Narrow an audit listing; every field is optional."""

    action: str | None = None
    actor: uuid.UUID | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEntryRead(BaseModel):
    """One entry of the audit trail."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seq: int = Field(description="Position in the company's hash chain")
    created_at: datetime
    actor_type: str
    actor_user_id: uuid.UUID | None
    actor_key_id: uuid.UUID | None
    actor_role: str | None
    action: str = Field(description="domain.entity.verb")
    target_type: str
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    hash: str

    @field_validator("ip", mode="before")
    @classmethod
    def _ip_text(cls, value: object) -> str | None:
        return None if value is None else str(value)
