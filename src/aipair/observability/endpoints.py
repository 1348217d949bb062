"""``GET /metrics``: every collector in the Prometheus text format, with the database snapshot."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from aipair.observability.exposition import render
from aipair.observability.snapshot import snapshot_registry

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=True)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of every process of this server (low-cardinality labels only: never a company,
    user or key id), plus the job queue, active users and database connections read at this scrape."""
    runtime = getattr(request.app.state, "runtime", None)
    extra = None
    if runtime is not None:
        extra = await snapshot_registry(runtime.pg, runtime.settings.metrics.snapshot_timeout_s)
    return Response(render(extra), media_type=CONTENT_TYPE_LATEST)
