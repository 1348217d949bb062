"""Rate limits when Redis fails: counted in this process, or refused, as ``AIPAIR_REDIS_FAILURE_MODE`` says.

Redis is asked with short timeouts. When it fails, the limiter stops asking it for ``retry_s`` seconds
(so a dead Redis costs no request a timeout), logs one line for the outage and sets
``aipair_ratelimit_backend_up`` to 0; ``/health/integrations`` reports it. Meanwhile:

- ``local`` (default): limits are counted in this process, as without Redis. Each replica then allows
  the full limit on its own, so the platform may admit up to N times a company's rate for N replicas
  (budgets and quotas stay exact: they live in PostgreSQL). Counted in
  ``aipair_ratelimit_degraded_total{action="local"}``.
- ``refuse``: AI calls answer 503 ``rate_limiter_unavailable`` with ``Retry-After`` (strict limits
  over availability). Counted with ``action="refused"``.

The first call after ``retry_s`` asks Redis again; its answer ends the outage (one more line).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Literal

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from aipair.errors import ServiceUnavailable
from aipair.gateway.ratelimit import Decision, InProcessLimiter, RateLimiter, RedisLimiter, Window
from aipair.observability.metrics import RATELIMIT_BACKEND_UP, RATELIMIT_DEGRADED

log = structlog.get_logger("aipair.gateway")
FailureMode = Literal["local", "refuse"]


class RateLimiterUnavailable(ServiceUnavailable):
    """The shared rate-limit store is unreachable and the platform is set to refuse rather than guess."""

    code = "rate_limiter_unavailable"
    default_message = "Rate limits cannot be checked right now; retry shortly"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_s)})


class FallbackLimiter:
    """Redis while it answers; in-process counting (or refusal) while it does not."""

    def __init__(
        self,
        shared: RedisLimiter,
        mode: FailureMode,
        *,
        retry_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shared = shared
        self._local = InProcessLimiter()
        self._mode = mode
        self._retry_s = retry_s
        self._clock = clock
        self._down_since: float | None = None
        self._next_try = 0.0
        RATELIMIT_BACKEND_UP.set(1)

    @property
    def degraded(self) -> bool:
        """True while Redis is considered unreachable."""
        return self._down_since is not None

    @property
    def mode(self) -> FailureMode:
        return self._mode

    async def acquire(self, windows: Sequence[Window]) -> Decision:
        if self._down_since is None or self._clock() >= self._next_try:
            try:
                decision = await self._shared.acquire(windows)
            except (RedisError, OSError, TimeoutError) as exc:
                self._failed(exc)
            else:
                self._answered()
                return decision
        if self._mode == "refuse":
            RATELIMIT_DEGRADED.labels(action="refused").inc()
            raise RateLimiterUnavailable(max(1, round(self._retry_s)))
        RATELIMIT_DEGRADED.labels(action="local").inc()
        return await self._local.acquire(windows)

    async def ping(self) -> float:
        """Round-trip time to Redis in milliseconds (raises when unreachable)."""
        return await self._shared.ping()

    async def close(self) -> None:
        await self._shared.close()
        await self._local.close()

    def _failed(self, error: BaseException) -> None:
        now = self._clock()
        self._next_try = now + self._retry_s
        if self._down_since is None:
            self._down_since = now
            RATELIMIT_BACKEND_UP.set(0)
            log.warning("ratelimit_backend_unavailable", error=type(error).__name__, mode=self._mode)

    def _answered(self) -> None:
        if self._down_since is not None:
            log.warning("ratelimit_backend_recovered", outage_s=round(self._clock() - self._down_since, 1))
            self._down_since = None
            RATELIMIT_BACKEND_UP.set(1)


def build_limiter(redis_url: str | None, mode: FailureMode = "local", timeout_s: float = 0.5) -> RateLimiter:
    """Shared through Redis when a URL is configured (with the fallback above), in-process otherwise."""
    if not redis_url:
        RATELIMIT_BACKEND_UP.set(1)
        return InProcessLimiter()
    client = Redis.from_url(
        redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
    )
    return FallbackLimiter(RedisLimiter(client), mode)
