"""The runbook's health endpoints: 200 when healthy, 503 when not, JSON details either way."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from aipair.health.dependencies import Health
from aipair.observability.build import BuildInfo, read_build_info

router = APIRouter(tags=["health"])


def _answer(healthy: bool, body: dict[str, Any]) -> JSONResponse:
    body["status"] = body.get("status", "ok" if healthy else "unhealthy")
    return JSONResponse(body, status_code=200 if healthy else 503)


def _build(request: Request) -> BuildInfo:
    build: BuildInfo | None = getattr(request.app.state, "build", None)
    if build is None:  # read at start-up by the lifespan; once here when the app runs without one
        build = request.app.state.build = read_build_info()
    return build


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """The process is up (no I/O): its version, git revision and the migration head it expects, so an
    operator can tell blue from green and follow a rollout."""
    return _answer(True, {"status": "ok", "service": "aipair", **_build(request).as_dict()})


@router.get("/health/db")
async def health_db(checks: Health) -> JSONResponse:
    """A real query as the application role, connection pool usage, migration head and latency."""
    healthy, details = await checks.database()
    return _answer(healthy, {"status": "ok" if healthy else "unhealthy", "database": details})


@router.get("/health/ai")
async def health_ai(checks: Health) -> JSONResponse:
    """State of each AI provider from recent traffic (circuit breakers, success rate, latency);
    never spends tokens. 503 when every remote provider's circuit is open."""
    healthy, body = checks.ai()
    return _answer(healthy, body)


@router.get("/health/integrations")
async def health_integrations(checks: Health) -> JSONResponse:
    """Each configured external integration (Redis for shared rate limits); `not_configured` when none."""
    healthy, body = await checks.integrations()
    return _answer(healthy, body)
