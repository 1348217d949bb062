"""Gauges read from PostgreSQL when Prometheus scrapes: the job queue, active users and keys, connections.

The same for every process and replica that answers (dashboards take ``max`` across instances). Read
in one bounded statement; while the database is down the scrape still answers, with
``aipair_metrics_snapshot_up 0`` and without these gauges.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aipair.observability import repository as repo

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
PRINCIPAL_KINDS = ("user", "key")
Rows = list[tuple[str, str, float]]


class SnapshotCollector(Collector):
    """Yields the snapshot's gauges (or only ``aipair_metrics_snapshot_up 0`` without one)."""

    def __init__(self, rows: Rows | None) -> None:
        self._rows = rows

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "aipair_metrics_snapshot_up", "1 when the database gauges below could be read at this scrape"
        )
        up.add_metric([], 0 if self._rows is None else 1)
        yield up
        if self._rows is None:
            return
        values: dict[str, dict[str, float]] = {}
        for name, label, value in self._rows:
            values.setdefault(name, {})[label] = value
        yield _labelled(
            "aipair_jobs_queue_depth", "Jobs in the queue by state", "state", JOB_STATES, values.get("jobs")
        )
        oldest = GaugeMetricFamily(
            "aipair_jobs_oldest_ready_age_seconds",
            "How long the oldest job ready to run has been waiting (0 when none is)",
        )
        oldest.add_metric([], values.get("jobs_oldest_ready_age", {}).get("", 0.0))
        yield oldest
        yield _labelled(
            "aipair_auth_active_principals",
            "Distinct signed-in users and API keys that made a request in the last 5 minutes",
            "kind",
            PRINCIPAL_KINDS,
            values.get("active_principals"),
        )
        connections = values.get("connections", {})
        yield _labelled(
            "aipair_db_connections",
            "Connections to the application's database by state (every role)",
            "state",
            tuple(sorted({"active", "idle", *connections})),
            connections,
        )
        limit = GaugeMetricFamily("aipair_db_connections_max", "The server's max_connections")
        limit.add_metric([], values.get("connections_max", {}).get("", 0.0))
        yield limit


def _labelled(
    name: str, documentation: str, label: str, known: tuple[str, ...], values: dict[str, float] | None
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    found = values or {}
    for value in dict.fromkeys((*known, *found)):
        family.add_metric([value], found.get(value, 0.0))
    return family


async def snapshot_registry(pool: asyncpg.Pool, timeout_s: float) -> CollectorRegistry:
    """A registry with the snapshot's gauges, read now (``up 0`` when the database did not answer)."""
    try:
        rows: Rows | None = await asyncio.wait_for(repo.snapshot(pool, timeout_s), timeout_s)
    except Exception:  # the scrape answers whatever happens to the database (it is watched elsewhere)
        rows = None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(rows))
    return registry
