"""The observability of one server process: built with the app, started and stopped by its lifespan.

With ``AIPAIR_METRICS__ENABLED=false`` nothing is counted per request, query or AI call, nothing is
sampled and nobody's activity is recorded; ``/metrics`` still answers (build information, the rare
security counters and the database snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aipair.config import Settings
from aipair.observability.activity import ActivityRecorder
from aipair.observability.build import BuildInfo, read_build_info
from aipair.observability.http_metrics import HttpMetrics
from aipair.observability.sampler import PoolUsage, Sampler
from aipair.observability.series import initialise_server_series


class Instrumentation:
    """HTTP metrics, activity, sampling and build information of the process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        enabled = settings.metrics.enabled
        self.http = HttpMetrics() if enabled else None
        self.activity = ActivityRecorder(settings.metrics.activity_flush_s) if enabled else None
        self.build: BuildInfo | None = None
        self._sampler: Sampler | None = None

    def start(self, pools: PoolUsage, breakers: Callable[[], Mapping[str, str]], gateway_pool: Any) -> None:
        """Publish the build, start sampling and recording activity (inside the event loop)."""
        self.build = read_build_info(self._settings.build_revision)
        self.build.publish()
        initialise_server_series()
        if not self._settings.metrics.enabled:
            return
        self._sampler = Sampler(
            self._settings.metrics.sample_interval_s, http=self.http, pools=pools, breakers=breakers
        )
        self._sampler.start()
        if self.activity is not None:
            self.activity.start(gateway_pool)

    async def stop(self) -> None:
        if self._sampler is not None:
            await self._sampler.stop()
        if self.activity is not None:
            await self.activity.stop()
