"""``GET /metrics``: every collector in the Prometheus text format, with the database snapshot."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from aipair.db.dependencies import Databases
from aipair.observability.dependencies import MetricsConfig
from aipair.observability.exposition import render
from aipair.observability.snapshot import snapshot_registry

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=True)
async def metrics(database: Databases, config: MetricsConfig) -> Response:
    """Prometheus metrics of every process of this server (low-cardinality labels only: never a company,
    user or key id), plus the job queue, active users and database connections read at this scrape."""
    extra = await snapshot_registry(database.pool, config.snapshot_timeout_s)
    return Response(render(extra), media_type=CONTENT_TYPE_LATEST)
