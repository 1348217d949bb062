"""Values sampled every few seconds rather than counted on the request path: requests in flight, pool
sizes and waiters, circuit breaker states, this process's CPU time and memory and their limits.

Each process samples its own (under several workers the gauges are summed or maxed across them).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import structlog

from aipair.kit.background import cancel_and_wait
from aipair.observability.http_metrics import HttpMetrics
from aipair.observability.metrics import (
    AI_BREAKER_STATE,
    DB_POOL_CONNECTIONS,
    DB_POOL_WAITING,
    HTTP_IN_FLIGHT,
    PROCESS_CPU,
    PROCESS_CPU_LIMIT,
    PROCESS_MEMORY,
    PROCESS_MEMORY_LIMIT,
)

log = structlog.get_logger("aipair.metrics")
BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
CGROUP = Path("/sys/fs/cgroup")
BreakerStates = Callable[[], Mapping[str, str]]
"""Provider name → breaker state (closed, half_open, open)."""
PoolUsage = Callable[[], dict[str, dict[str, int]]]
"""Pool name → capacity, open, in_use and waiting."""


def pool_usage(engine_pool: Any, overflow: int, gateway_pool: Any) -> dict[str, dict[str, int]]:
    """Capacity, open and in-use connections and waiters of the ORM and gateway pools."""
    in_use = engine_pool.checkedout()
    orm = {
        "capacity": engine_pool.size() + overflow,
        "open": engine_pool.checkedin() + in_use,
        "in_use": in_use,
        "waiting": _waiting(engine_pool),
    }
    size = gateway_pool.get_size()
    gateway = {
        "capacity": gateway_pool.get_max_size(),
        "open": size,
        "in_use": size - gateway_pool.get_idle_size(),
        "waiting": _waiting(gateway_pool),
    }
    return {"orm": orm, "gateway": gateway}


def _waiting(pool: Any) -> int:
    checkouts = getattr(pool, "checkouts", None)
    return int(getattr(checkouts, "waiting", 0))


class Sampler:
    """Publishes the sampled gauges every ``interval_s`` seconds until stopped."""

    def __init__(
        self,
        interval_s: float,
        *,
        http: HttpMetrics | None,
        pools: PoolUsage,
        breakers: BreakerStates,
    ) -> None:
        self._interval = interval_s
        self._http = http
        self._pools = pools
        self._breakers = breakers
        self._cpu_seen = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        PROCESS_CPU_LIMIT.set(cpu_limit_cores())
        PROCESS_MEMORY_LIMIT.set(memory_limit_bytes())
        self.sample()
        self._task = asyncio.create_task(self._run(), name="metrics-sampler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                self.sample()
            except Exception:  # a sampling bug must not stop the others or the process
                log.exception("metrics_sample_failed")

    def sample(self) -> None:
        """Publish every sampled value now."""
        if self._http is not None:
            HTTP_IN_FLIGHT.set(self._http.in_flight)
        for pool, values in self._pools().items():
            for state in ("capacity", "open", "in_use"):
                DB_POOL_CONNECTIONS.labels(pool=pool, state=state).set(values[state])
            DB_POOL_WAITING.labels(pool=pool).set(values["waiting"])
        for provider, state in self._breakers().items():
            AI_BREAKER_STATE.labels(provider=provider).set(BREAKER_VALUES.get(state, 2))
        cpu = time.process_time()
        PROCESS_CPU.inc(max(0.0, cpu - self._cpu_seen))
        self._cpu_seen = cpu
        PROCESS_MEMORY.set(resident_bytes())


def resident_bytes() -> int:
    """Resident set size of this process."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def cpu_limit_cores() -> float:
    """The container's CPU quota in cores (cgroup v2 ``cpu.max``), else the cores this process may use."""
    try:
        quota, period = (CGROUP / "cpu.max").read_text().split()
        if quota != "max":
            return int(quota) / int(period)
    except (OSError, ValueError):
        pass
    return float(len(os.sched_getaffinity(0)))


def memory_limit_bytes() -> int:
    """The container's memory limit (cgroup v2 ``memory.max``), else the machine's memory."""
    try:
        raw = (CGROUP / "memory.max").read_text().strip()
        if raw != "max":
            return int(raw)
    except (OSError, ValueError):
        pass
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
