"""``GET /metrics``: every collector in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=True)
async def metrics() -> Response:
    """Prometheus metrics (low-cardinality labels only: never a company, user or key id)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
