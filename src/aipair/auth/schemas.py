"""Request and response bodies of the auth routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aipair.config import SLUG_PATTERN

Scope = Literal["ai", "meetings", "usage:read", "admin"]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    company: str | None = Field(
        default=None, pattern=SLUG_PATTERN, description="Slug of the company to act in"
    )


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")


class CompanyMembershipRead(BaseModel):
    company_id: uuid.UUID
    slug: str
    role: str


class CurrentUser(BaseModel):
    """The caller, as ``GET /auth/user`` returns it."""

    id: uuid.UUID | None
    email: str | None
    name: str | None
    kind: Literal["user", "key"]
    company_id: uuid.UUID
    role: str
    platform_role: str | None
    memberships: list[CompanyMembershipRead]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=lambda: list[Scope](["ai"]))
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    requests_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    tokens_per_minute: int | None = Field(default=None, ge=1, le=100_000_000)
    monthly_budget_usd: Decimal | None = Field(default=None, ge=0, le=10_000_000, decimal_places=6)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    rotated_from_id: uuid.UUID | None
    requests_per_minute: int | None
    tokens_per_minute: int | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret key. Shown once; only its hash is stored.")


class RotateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_hours: int | None = Field(default=None, ge=0, le=720)


class LockLift(BaseModel):
    """Lift an account's sign-in lock; the failed sign-ins stay as evidence."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit trail)")


class MemberUnlock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit trail)")


class LocksLifted(BaseModel):
    lifted: int = Field(description="Locks lifted (0 when the account was not locked)")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(
        min_length=1, max_length=1024, description="Checked against the password policy"
    )


class PasswordChanged(BaseModel):
    sessions_ended: int = Field(description="Your other sessions that ended (in every company)")


class PasswordResetUse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=200, description="The one-time reset code")
    new_password: str = Field(
        min_length=1, max_length=1024, description="Checked against the password policy"
    )


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)


class PasswordResetIssued(BaseModel):
    email: str
    delivery: Literal["email", "shown"] = Field(
        description="`email`: sent to the account's address (SMTP configured); `shown`: `token` is here, once"
    )
    expires_at: datetime
    token: str | None = Field(description="The one-time code when it is shown (never stored in clear)")
