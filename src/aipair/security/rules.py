"""What makes an API key's use unusual, and the security events that say so (pure: no I/O, no clock).

Each unusual event carries a ``dedup_key`` — reason, key and period — unique per company in
``security_events``: whichever replica or check sees it first records it, every later attempt is a
no-op. Periods: for ``new_ip`` the address itself (once ever), for ``off_hours`` the company's local
day, for the spikes the UTC hour the check ran in.
"""

from __future__ import annotations

import enum
import ipaddress
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aipair.security.signals import Rejection

UNUSUAL_KEY_USE = "unusual_key_use"


class UnusualReason(enum.StrEnum):
    """Why a key's use was unusual (``detail.reason`` of an ``unusual_key_use`` event)."""

    NEW_IP = "new_ip"
    SPEND_SPIKE = "spend_spike"
    ERROR_SPIKE = "error_spike"
    OFF_HOURS = "off_hours"


@dataclass(frozen=True, slots=True)
class EventRow:
    """One ``security_events`` row to insert for a company."""

    kind: str
    api_key_id: uuid.UUID | None
    user_id: uuid.UUID | None = None
    ip: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    dedup_key: str | None = None


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """A company's working hours in its own time zone (``days``: ISO weekdays, 1 = Monday).

    ``start`` after ``end`` is a night shift (22:00-06:00); the weekday is the one of the local date.
    """

    zone: ZoneInfo
    start: time
    end: time
    days: frozenset[int]

    def covers(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside working hours."""
        local = moment.astimezone(self.zone)
        if local.isoweekday() not in self.days:
            return False
        now = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def local_day(self, moment: datetime) -> date:
        """The company's calendar day at ``moment``."""
        return moment.astimezone(self.zone).date()


@dataclass(frozen=True, slots=True)
class SpikeThresholds:
    """A spike: at least ``factor`` times the trailing hourly average and at least the floor."""

    factor: float
    spend_floor_micro_usd: int
    error_floor: int
    trailing_days: int


@dataclass(frozen=True, slots=True)
class KeyHour:
    """A key's last hour against its trailing days (spend in micro-USD, failed calls)."""

    api_key_id: uuid.UUID
    spend_micro_usd: int
    errors: int
    trailing_spend_micro_usd: int
    trailing_errors: int


def valid_ip(value: str | None) -> str | None:
    """``value`` when it is an IP address (a forwarded header may hold anything), else None."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def unusual(reason: UnusualReason, api_key_id: uuid.UUID, period: str, **detail: Any) -> EventRow:
    """An ``unusual_key_use`` event, recorded at most once per key, reason and ``period``."""
    ip = detail.pop("ip", None)
    return EventRow(
        kind=UNUSUAL_KEY_USE,
        api_key_id=api_key_id,
        ip=ip,
        detail={"reason": reason.value, **detail},
        dedup_key=f"{reason.value}:{api_key_id}:{period}",
    )


def new_ip(api_key_id: uuid.UUID, ip: str, first_seen_at: datetime) -> EventRow:
    """The key was used from an address it never used before (having used another one)."""
    return unusual(UnusualReason.NEW_IP, api_key_id, ip, ip=ip, first_seen_at=first_seen_at.isoformat())


def off_hours(api_key_id: uuid.UUID, at: datetime, hours: WorkingHours) -> EventRow:
    """The key was used outside the company's working hours (once per key and local day)."""
    local = at.astimezone(hours.zone)
    return unusual(
        UnusualReason.OFF_HOURS,
        api_key_id,
        local.date().isoformat(),
        local_time=local.isoformat(timespec="seconds"),
        time_zone=hours.zone.key,
        working_hours=f"{hours.start:%H:%M}-{hours.end:%H:%M}",
        working_days=sorted(hours.days),
    )


def spikes(row: KeyHour, limits: SpikeThresholds, hour: datetime) -> list[EventRow]:
    """Spend and error spikes of one key in the hour before ``hour`` (once per key and UTC hour)."""
    period = hour.astimezone(UTC).strftime("%Y-%m-%dT%H")
    hours = limits.trailing_days * 24
    found = []
    average = row.trailing_spend_micro_usd / hours
    if row.spend_micro_usd >= max(limits.spend_floor_micro_usd, limits.factor * average, 1):
        found.append(
            unusual(
                UnusualReason.SPEND_SPIKE,
                row.api_key_id,
                period,
                spend_micro_usd=row.spend_micro_usd,
                hourly_average_micro_usd=round(average),
                trailing_days=limits.trailing_days,
            )
        )
    average = row.trailing_errors / hours
    if row.errors >= max(limits.error_floor, limits.factor * average):
        found.append(
            unusual(
                UnusualReason.ERROR_SPIKE,
                row.api_key_id,
                period,
                errors=row.errors,
                hourly_average=round(average, 2),
                trailing_days=limits.trailing_days,
            )
        )
    return found


def rejection(r: Rejection) -> EventRow:
    """One row for every call of a principal refused by one limit during a flush interval."""
    ips = [ip for ip in map(valid_ip, r.ips) if ip is not None]
    return EventRow(
        kind=r.kind,
        api_key_id=r.api_key_id,
        user_id=r.user_id,
        ip=ips[0] if ips else None,
        detail={
            "limit": r.limit,
            "count": r.count,
            "first_at": datetime.fromtimestamp(r.first_at, UTC).isoformat(),
            "last_at": datetime.fromtimestamp(r.last_at, UTC).isoformat(),
            "ips": ips,
        },
    )
