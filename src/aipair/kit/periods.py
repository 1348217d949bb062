"""Usage periods: calendar months in the company's time zone."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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


class PeriodClock:
    """:func:`current_period` for the hot path: a zone's day is worked out once, until its next midnight.

    Time-zone arithmetic costs more than everything else of a call's period bookkeeping; the day, the
    month and the month's end only change at a local midnight, so they are computed again only then
    (DST included: the next midnight is found in the zone itself).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._days: dict[ZoneInfo, tuple[float, date, date, float]] = {}

    def current(self, zone: ZoneInfo) -> Period:
        """The zone's current period (same answer as :func:`current_period`)."""
        now = self._clock()
        cached = self._days.get(zone)
        if cached is None or now >= cached[0]:
            cached = self._days[zone] = self._day(zone, now)
        _, month, day, month_end = cached
        return Period(month=month, day=day, seconds_left=month_end - now)

    @staticmethod
    def _day(zone: ZoneInfo, now: float) -> tuple[float, date, date, float]:
        local = datetime.fromtimestamp(now, zone)
        period = current_period(zone, local)
        tomorrow = local.date() + timedelta(days=1)
        midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=zone).timestamp()
        return midnight, period.month, period.day, now + period.seconds_left
