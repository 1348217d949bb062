"""Response bodies of the security signal routes (platform staff)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class AccountFailures(BaseModel):
    user_id: uuid.UUID | None
    email: str
    failures: int
    addresses: int
    last_attempt: datetime


class AddressFailures(BaseModel):
    ip: str
    failures: int
    accounts: int
    last_attempt: datetime


class FailedLoginsRead(BaseModel):
    window_minutes: int
    by_account: list[AccountFailures]
    by_ip: list[AddressFailures]


class LockedAccount(BaseModel):
    user_id: uuid.UUID | None
    email: str
    failures: int
    locked_at: datetime
    locked_until: datetime


class LockoutsRead(BaseModel):
    threshold: int
    window_minutes: int
    lock_minutes: int
    address_threshold: int
    accounts: list[LockedAccount]
    addresses: list[AddressFailures]


class ProbeRead(BaseModel):
    """Requests of one principal for ids it cannot see (answered 404)."""

    company_id: uuid.UUID
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    probes: int
    routes: int
    last_at: datetime
    sample_paths: list[str | None]


class StaffDay(BaseModel):
    support_user_id: uuid.UUID
    day: date
    actions: int
    companies: int
    over_threshold: bool


class StaffWeek(BaseModel):
    support_user_id: uuid.UUID | None
    week: date
    increases: int
    total_extra: int
    largest: int
    over_threshold: bool


class LargeIncrease(BaseModel):
    id: int
    created_at: datetime
    company_id: uuid.UUID
    support_user_id: uuid.UUID | None
    extra: int


class SupportActivityRead(BaseModel):
    days: int
    thresholds: dict[str, int]
    actions_per_day: list[StaffDay]
    increases_per_week: list[StaffWeek]
    large_increases: list[LargeIncrease]


class KeyRejectionsRead(BaseModel):
    """Calls of one principal refused by one limit (``limit``: rpm, aph, key_rpm, key_tpm, quota, budget,
    key_budget); ``api_key_id`` is null for signed-in people and internal workflows."""

    company_id: uuid.UUID
    api_key_id: uuid.UUID | None
    kind: str
    limit: str | None
    rejections: int
    first_at: datetime | None
    last_at: datetime | None
    sample_ips: list[str] | None


class SecurityEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    kind: str
    company_id: uuid.UUID
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    ip: str | None
    method: str | None
    path: str | None
    detail: dict[str, Any]

    _ip = field_validator("ip", mode="before")(_text)


@dataclass(frozen=True)
class EventFilter:
    """Which security events to list (None: any)."""

    kind: str | None = None
    company_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    reason: str | None = None
