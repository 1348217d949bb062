"""Usage periods: calendar months in the company's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    """The month a moment falls in (first day), the local day, and seconds until the next month."""

    month: date
    day: date
    seconds_left: float


def current_period(zone: ZoneInfo, now: datetime | None = None) -> Period:
    """The company's current usage period."""
    local = (now or datetime.now(UTC)).astimezone(zone)
    month = local.date().replace(day=1)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    next_start = datetime(following.year, following.month, 1, tzinfo=zone)
    return Period(month=month, day=local.date(), seconds_left=(next_start - local).total_seconds())
