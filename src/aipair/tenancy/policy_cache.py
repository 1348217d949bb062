"""A company's governance facts (status, time zone, effective limits, budget), cached for seconds.

Read by the gateway on every AI call; the source of truth is the ``company_limits`` view, so an
override, a plan change or a suspension applies everywhere within ``ttl_s``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg

from aipair.kit.cache import LoadingCache
from aipair.tenancy import repository as repo

AI_STATUSES = frozenset({"TRIAL", "ACTIVE"})


@dataclass(frozen=True, slots=True)
class CompanyPolicy:
    """What limits one company's AI use right now."""

    company_id: uuid.UUID
    may_use_ai: bool
    zone: ZoneInfo
    requests_per_minute: int
    ai_requests_per_hour: int
    ai_requests_per_month: int | None
    budget_micro_usd: int | None
    alert_thresholds: tuple[int, ...] = ()


class CompanyPolicyCache:
    """Load and cache :class:`CompanyPolicy` by company id."""

    def __init__(self, pool: asyncpg.Pool, ttl_s: float = 5.0, clock: Callable[[], float] = time.time):
        self._pool = pool
        self._cache: LoadingCache[uuid.UUID, CompanyPolicy | None]
        self._cache = LoadingCache(self._load, ttl_s, clock=clock)
        self._zones: dict[str, ZoneInfo] = {}

    async def get(self, company_id: uuid.UUID) -> CompanyPolicy | None:
        """The company's policy, or None when it does not exist."""
        return await self._cache.get(company_id)

    def forget(self, company_id: uuid.UUID) -> None:
        """Drop a company from the cache (after a status, plan or limit change)."""
        self._cache.forget(company_id)

    async def _load(self, company_id: uuid.UUID) -> CompanyPolicy | None:
        row = await repo.company_policy(self._pool, company_id)
        if row is None:
            return None
        zone_name = row["time_zone"]
        zone = self._zones.get(zone_name) or self._zones.setdefault(zone_name, ZoneInfo(zone_name))
        return CompanyPolicy(
            company_id=company_id,
            may_use_ai=row["status"] in AI_STATUSES,
            zone=zone,
            requests_per_minute=row["requests_per_minute"],
            ai_requests_per_hour=row["ai_requests_per_hour"],
            ai_requests_per_month=row["ai_requests_per_month"],
            budget_micro_usd=row["monthly_budget_micro_usd"],
            alert_thresholds=tuple(row["budget_alert_thresholds"] or ()),
        )
