"""Health checks: cheap, honest, and never spending tokens."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from aipair.db.migrate import schema_status
from aipair.db.urls import DatabaseUrls
from aipair.db.watch import DatabaseWatch
from aipair.gateway.ratelimit import RateLimiter
from aipair.gateway.ratelimit_fallback import FallbackLimiter
from aipair.gateway.routing import Router
from aipair.health import repository as repo

HEALTH_DB_TIMEOUT_S = 0.9


class HealthService:
    """What the health routes look at: the database, the AI providers, the integrations."""

    def __init__(
        self,
        engine: AsyncEngine,
        urls: DatabaseUrls,
        max_overflow: int,
        router: Router,
        limiter: RateLimiter,
        watch: DatabaseWatch | None = None,
    ):
        self._engine = engine
        self._watch = watch
        self._urls = urls
        self._max_overflow = max_overflow
        self._router = router
        self._limiter = limiter

    async def database(self) -> tuple[bool, dict[str, Any]]:
        """A real query as the application role, pool usage and the migration state, within a second:
        during an outage at once, from the database watch."""
        if self._watch is not None and not self._watch.up:
            details = {"pool": _pool_usage(self._engine, self._max_overflow), "status": "unavailable"}
            return False, {**details, "error": "DatabaseUnavailable", "message": "the database probe fails"}
        return await database_health(self._engine, self._urls, self._max_overflow)

    def ai(self) -> tuple[bool, dict[str, Any]]:
        """Provider states from recent traffic."""
        return ai_health(self._router)

    async def integrations(self) -> tuple[bool, dict[str, Any]]:
        """Each configured external integration."""
        return await integrations_health(self._limiter)


async def database_health(
    engine: AsyncEngine, urls: DatabaseUrls, max_overflow: int
) -> tuple[bool, dict[str, Any]]:
    """A real query as the application role, pool usage and the migration state."""
    started = time.perf_counter()
    details: dict[str, Any] = {"pool": _pool_usage(engine, max_overflow)}
    try:
        revision = await asyncio.wait_for(repo.schema_revision(engine), HEALTH_DB_TIMEOUT_S)
    except Exception as exc:  # health must report, never raise
        details.update(status="error", error=type(exc).__name__, message=str(exc)[:200])
        return False, details
    schema = schema_status(urls, revision)
    details.update(
        status="migrations_pending" if schema.state == "behind" else "ok",
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
        migration=asdict(schema),
    )
    return schema.state != "behind", details


def _pool_usage(engine: AsyncEngine, max_overflow: int) -> dict[str, Any]:
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        return {}
    capacity = pool.size() + max_overflow
    in_use = pool.checkedout()
    return {
        "size": pool.size(),
        "in_use": in_use,
        "capacity": capacity,
        "usage_percent": round(100 * in_use / capacity, 1) if capacity else 0.0,
    }


def ai_health(router: Router) -> tuple[bool, dict[str, Any]]:
    """Provider states from recent traffic; unhealthy only when every remote provider is open."""
    providers = {name: health.as_dict() for name, health in router.health().items()}
    remote = {name: h for name, h in router.health().items() if name != "local"}
    down = [name for name, h in remote.items() if not h.healthy]
    healthy = not remote or len(down) < len(remote)
    status = "ok" if not down else ("degraded" if healthy else "unhealthy")
    return healthy, {
        "status": status,
        "providers": providers,
        "open_company_routes": router.open_routes(),
        "models": router.registry.model_names(),
    }


async def integrations_health(limiter: RateLimiter) -> tuple[bool, dict[str, Any]]:
    """Each configured integration. Redis down is ``degraded`` (200) while rate limits fall back to
    in-process counting, ``unhealthy`` (503) when AI calls are refused meanwhile."""
    integrations: dict[str, Any] = {}
    if isinstance(limiter, FallbackLimiter):
        try:
            latency = await asyncio.wait_for(limiter.ping(), 1.0)
            integrations["redis"] = {"status": "ok", "latency_ms": round(latency, 2)}
        except Exception as exc:  # health must report, never raise
            status = "degraded" if limiter.mode == "local" else "unhealthy"
            fallback = "in-process rate limits" if limiter.mode == "local" else "AI calls refused (503)"
            integrations["redis"] = {"status": status, "error": type(exc).__name__, "fallback": fallback}
    statuses = {item["status"] for item in integrations.values()}
    if not integrations:
        return True, {"status": "not_configured", "integrations": integrations}
    overall = "unhealthy" if "unhealthy" in statuses else ("degraded" if "degraded" in statuses else "ok")
    return overall != "unhealthy", {"status": overall, "integrations": integrations}
