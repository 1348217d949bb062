"""Request and response bodies of the tenancy routes."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aipair.config import SLUG_PATTERN

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"
CustomerRole = Literal["OWNER", "ADMIN", "MANAGER", "EMPLOYEE"]
AnyRole = Literal["SUPER_ADMIN", "SUPPORT", "OWNER", "ADMIN", "MANAGER", "EMPLOYEE"]
PlanCode = Literal["STARTER", "PROFESSIONAL", "ENTERPRISE", "CUSTOM"]


def _valid_zone(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown time zone") from exc
    return value


class CustomLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_users: int | None = Field(default=None, ge=1, le=1_000_000)
    ai_requests_per_month: int | None = Field(default=None, ge=0, le=1_000_000_000)
    storage_mb: int | None = Field(default=None, ge=0, le=100_000_000)
    requests_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    ai_requests_per_hour: int | None = Field(default=None, ge=1, le=100_000_000)


class OwnerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    name: str = Field(default="", max_length=200)
    password: str | None = Field(default=None, max_length=256)


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=SLUG_PATTERN)
    plan: PlanCode = "STARTER"
    status: Literal["TRIAL", "ACTIVE"] = "TRIAL"
    time_zone: str = "UTC"
    owner: OwnerSpec | None = None
    custom_limits: CustomLimits | None = None
    monthly_budget_usd: Decimal | None = Field(default=None, ge=0, le=100_000_000, decimal_places=6)

    _zone = field_validator("time_zone")(_valid_zone)


def _weekdays(value: list[int] | None) -> list[int] | None:
    if value is None:
        return value
    if any(day < 1 or day > 7 for day in value):
        raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
    return sorted(set(value))


class CompanyUpdate(BaseModel):
    """Owners may change name, time zone and working hours; plan, status, limits and budget are platform
    matters."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = None
    plan: PlanCode | None = None
    custom_limits: CustomLimits | None = None
    monthly_budget_usd: Decimal | None = Field(default=None, ge=0, le=100_000_000, decimal_places=6)
    require_support_approval: bool | None = Field(
        default=None, description="OWNER: platform staff need your approval before they can see your data"
    )
    work_start: time | None = Field(default=None, description="Working hours start (local time, 07:00)")
    work_end: time | None = Field(default=None, description="Working hours end (local time, 20:00)")
    work_days: list[int] | None = Field(
        default=None, max_length=7, description="Working days, ISO weekdays (1 = Monday; [1, 2, 3, 4, 5])"
    )

    _zone = field_validator("time_zone")(_valid_zone)
    _days = field_validator("work_days")(_weekdays)


class CompanyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    status: str
    plan_code: str
    time_zone: str
    is_platform: bool
    trial_ends_at: datetime | None
    require_support_approval: bool
    work_start: time
    work_end: time
    work_days: list[int]
    created_at: datetime


class CompanyCreated(CompanyRead):
    owner_invitation_token: str | None = Field(
        default=None, description="Shown once when the first OWNER was invited rather than created."
    )


class MemberAdd(BaseModel):
    """Invite a person: they join once they accept (a new account sets its password, an existing one
    accepts signed in)."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    name: str = Field(default="", max_length=200, description="Name for a new account")
    role: AnyRole = "EMPLOYEE"


class MemberProvision(MemberAdd):
    """The operator's provisioning: with a password, an address without an account gets one, active."""

    password: str | None = Field(default=None, max_length=256)


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: AnyRole


class MemberRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID | None = Field(description="None while INVITED: who holds the address is not shown")
    email: str
    name: str
    role: str
    status: str = Field(description="INVITED until the person accepts, then ACTIVE; or DEACTIVATED")
    created_at: datetime


class MemberAdded(MemberRead):
    invitation_token: str | None = Field(
        default=None, description="Shown once: give it to the person, who accepts it to join."
    )
    invitation_expires_at: datetime | None = None


class InvitationAccept(BaseModel):
    """Accept an invitation to an address that has no account yet: choose its password."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=200)
    name: str = Field(default="", max_length=200)
    password: str = Field(max_length=256)


class InvitationJoin(BaseModel):
    """Join a company with the account you are signed in with."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=200)


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    membership_id: uuid.UUID | None
    email: str
    role: str
    created_at: datetime
    expires_at: datetime


class LimitsRead(BaseModel):
    company_id: uuid.UUID
    plan: str
    status: str
    max_users: int | None
    ai_requests_per_month: int | None
    storage_mb: int | None
    requests_per_minute: int
    ai_requests_per_hour: int
    monthly_budget_usd: Decimal | None
    current_usage: dict[str, Any]


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    price_usd_cents: int | None
    max_users: int | None
    ai_requests_per_month: int | None
    storage_mb: int | None
    requests_per_minute: int
    ai_requests_per_hour: int


class BudgetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monthly_budget_usd: Decimal | None = Field(default=None, ge=0, le=100_000_000, decimal_places=6)
    alert_thresholds: list[int] | None = Field(default=None, min_length=1, max_length=10)
    webhook_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    clear_budget: bool = False

    @field_validator("alert_thresholds")
    @classmethod
    def _percentages(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 1 <= v <= 1000 for v in value):
            raise ValueError("thresholds are percentages between 1 and 1000")
        return sorted(set(value)) if value is not None else None
