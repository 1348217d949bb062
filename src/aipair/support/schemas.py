"""Request and response bodies of the support access routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aipair.kit.clock import utcnow
from aipair.support.models import GrantStatus, SupportGrant

GrantScopeName = Literal["read", "write"]


class SupportActionRead(BaseModel):
    """One request platform staff made inside a company."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    support_user_id: uuid.UUID
    target_company_id: uuid.UUID
    action_type: str
    description: str
    data: dict[str, Any]
    ip_address: str | None
    user_agent: str | None
    request_id: str | None
    status_code: int | None

    @field_validator("ip_address", mode="before")
    @classmethod
    def _ip_text(cls, value: object) -> str | None:
        return None if value is None else str(value)


class GrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: uuid.UUID
    reason: str = Field(min_length=3, max_length=2000, description="Why access is needed")
    ticket_ref: str = Field(min_length=1, max_length=100, description="Support ticket reference")
    scope: GrantScopeName = "read"
    duration_minutes: int | None = Field(
        default=None, ge=1, description="Default 60; at most AIPAIR_SUPPORT__GRANT_MAX_MINUTES (480)"
    )


class GrantRead(BaseModel):
    id: uuid.UUID
    company_id: uuid.UUID
    staff_user_id: uuid.UUID
    reason: str
    ticket_ref: str
    scope: str
    status: GrantStatus = Field(
        description="requested, active, revoked, or expired once expires_at has passed"
    )
    duration_minutes: int
    expires_at: datetime
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    revoked_by: uuid.UUID | None
    revoked_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, grant: SupportGrant) -> GrantRead:
        """The grant as shown, with ``expired`` for a lapsed requested or active grant."""
        status = grant.status
        if status in (GrantStatus.REQUESTED, GrantStatus.ACTIVE) and grant.expires_at <= utcnow():
            status = GrantStatus.EXPIRED
        return cls(
            id=grant.id,
            company_id=grant.company_id,
            staff_user_id=grant.staff_user_id,
            reason=grant.reason,
            ticket_ref=grant.ticket_ref,
            scope=grant.scope,
            status=GrantStatus(status),
            duration_minutes=grant.duration_minutes,
            expires_at=grant.expires_at,
            approved_by=grant.approved_by,
            approved_at=grant.approved_at,
            revoked_by=grant.revoked_by,
            revoked_at=grant.revoked_at,
            created_at=grant.created_at,
        )


class LimitIncreaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: uuid.UUID
    extra_ai_requests: int = Field(ge=1, description="Added to the current monthly AI request limit")
    reason: str = Field(min_length=3, max_length=2000)
    expires_at: datetime | None = Field(
        default=None, description="Default: the end of the month in the company's time zone"
    )


class LimitIncreaseRead(BaseModel):
    override_id: uuid.UUID
    company_id: uuid.UUID
    limit_name: str
    previous_value: int
    value: int
    extra: int
    expires_at: datetime
    reason: str
