"""Health checks: cheap, honest, and never spending tokens."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from aipair.db.migrate import schema_status
from aipair.gateway.ratelimit import RedisLimiter
from aipair.gateway.routing import Router
from aipair.runtime import Runtime


async def database_health(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    """A real query as the application role, pool usage and the migration state."""
    started = time.perf_counter()
    details: dict[str, Any] = {"pool": _pool_usage(runtime)}
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            revision = (
                await conn.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
    except Exception as exc:  # health must report, never raise
        details.update(status="error", error=type(exc).__name__, message=str(exc)[:200])
        return False, details
    schema = schema_status(runtime.urls, revision)
    details.update(
        status="migrations_pending" if schema.state == "behind" else "ok",
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
        migration=asdict(schema),
    )
    return schema.state != "behind", details


def _pool_usage(runtime: Runtime) -> dict[str, Any]:
    pool = runtime.engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        return {}
    capacity = pool.size() + runtime.settings.db_max_overflow
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


async def integrations_health(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    """Each configured external integration; Redis (shared rate limits) when configured."""
    integrations: dict[str, Any] = {}
    if isinstance(runtime.limiter, RedisLimiter):
        try:
            latency = await runtime.limiter.ping()
            integrations["redis"] = {"status": "ok", "latency_ms": round(latency, 2)}
        except Exception as exc:  # health must report, never raise
            integrations["redis"] = {"status": "error", "error": type(exc).__name__}
    healthy = all(item["status"] == "ok" for item in integrations.values())
    status = "not_configured" if not integrations else ("ok" if healthy else "unhealthy")
    return healthy, {"status": status, "integrations": integrations}
