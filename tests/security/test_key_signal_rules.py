"""The rules behind the unusual-key-use signals, at exact moments: working hours in the company's own
time zone (night shifts included), spikes against the trailing average, floods folded into one row."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from aipair.security.rules import KeyHour, SpikeThresholds, WorkingHours, spikes
from aipair.security.signals import KeySignals

OFFICE = frozenset({1, 2, 3, 4, 5})
LIMITS = SpikeThresholds(factor=5, spend_floor_micro_usd=1_000_000, error_floor=20, trailing_days=7)
KEY = uuid.uuid4()


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # 2026-11-23 is a Monday


def test_working_hours_are_read_in_the_companys_time_zone() -> None:
    tokyo = WorkingHours(ZoneInfo("Asia/Tokyo"), time(7), time(20), OFFICE)
    assert tokyo.covers(utc(23, 23))  # Tuesday 08:00 in Tokyo
    assert not tokyo.covers(utc(27, 12))  # Friday 21:00 in Tokyo
    assert not tokyo.covers(utc(27, 22))  # Saturday 07:00 in Tokyo
    assert tokyo.local_day(utc(23, 23)).isoformat() == "2026-11-24"


def test_a_night_shift_spans_midnight_on_its_working_days() -> None:
    nights = WorkingHours(ZoneInfo("Europe/Berlin"), time(22), time(6), OFFICE)
    assert nights.covers(utc(24, 22, 30))  # Tuesday 23:30 in Berlin
    assert nights.covers(utc(25, 4))  # Wednesday 05:00
    assert not nights.covers(utc(25, 11))  # Wednesday noon
    assert not nights.covers(utc(28, 22, 30))  # Saturday night


def test_spend_is_a_spike_only_above_the_floor_and_five_times_the_hourly_average() -> None:
    hour = utc(24, 10)
    quiet = KeyHour(KEY, spend_micro_usd=900_000, errors=0, trailing_spend_micro_usd=0, trailing_errors=0)
    assert spikes(quiet, LIMITS, hour) == []  # a new key, but under the $1 floor
    usual = KeyHour(KEY, 4_000_000, 0, trailing_spend_micro_usd=168_000_000, trailing_errors=0)
    assert spikes(usual, LIMITS, hour) == []  # 4x its $1 an hour
    burst = KeyHour(KEY, 5_000_000, 25, trailing_spend_micro_usd=168_000_000, trailing_errors=0)
    found = spikes(burst, LIMITS, hour)
    assert [e.detail["reason"] for e in found] == ["spend_spike", "error_spike"]
    assert [e.dedup_key for e in found] == [
        f"spend_spike:{KEY}:2026-11-24T10",
        f"error_spike:{KEY}:2026-11-24T10",
    ]


def test_a_flood_of_refusals_is_one_pending_row_with_its_count() -> None:
    signals = KeySignals(clock=lambda: 1_800_000_000.0)
    company = uuid.uuid4()
    for i in range(10_000):
        signals.rejected(company, KEY, None, f"10.0.0.{i % 9}", "rate_limited", "key_rpm")
    signals.rejected(company, KEY, None, "10.0.0.1", "budget_rejected", "key_budget")
    batch = signals.drain()
    assert sorted((r.kind, r.limit, r.count) for r in batch.rejections) == [
        ("budget_rejected", "key_budget", 1),
        ("rate_limited", "key_rpm", 10_000),
    ]
    flood = next(r for r in batch.rejections if r.count == 10_000)
    assert len(flood.ips) == 5  # a sample of the addresses, not all of them
    assert signals.drain().rejections == []


def test_known_sources_stay_in_memory_until_their_refresh_is_due() -> None:
    now = [1_800_000_000.0]
    signals = KeySignals(refresh_s=3600, clock=lambda: now[0])
    company = uuid.uuid4()
    signals.used(company, KEY, "10.1.1.1")
    first = signals.drain()
    assert [s.ip for s in first.new_sources] == ["10.1.1.1"]
    signals.learn(first.new_sources)
    signals.used(company, KEY, "10.1.1.1")
    assert signals.drain().new_sources == []
    now[0] += 3601
    signals.used(company, KEY, "10.1.1.1")
    later = signals.drain()
    assert (later.new_sources, [s.ip for s in later.seen_sources]) == ([], ["10.1.1.1"])
