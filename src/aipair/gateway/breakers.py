"""Circuit breakers of the router, kept so that one company can never take a provider away from another.

Two levels guard every call to a target (a provider and an upstream model):

- a **route breaker** per (company, provider, upstream model): every failure of a call counts here —
  a 5xx, a timeout, an upstream 404 for the model a company alias names, a rejected company key. It
  opens for that company's calls to that target only;
- a **provider breaker** per provider (shared by every company on the platform's key): only failures
  that say the provider itself is in trouble count (timeouts, 5xx, connection errors, the platform's
  credentials refused), and it opens only once the run of consecutive failures came from at least
  ``provider_min_companies`` different companies. Answers the upstream gave to a request it found wrong
  (400, 404, 413, 422, 429) never count against the provider: it answered.

Route breakers exist only while a route is failing (a route that never failed costs one dict read), and
are dropped again once closed.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from aipair.config.providers import CircuitBreakerConfig
from aipair.gateway.errors import GatewayError

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "ProviderBreaker",
    "ProviderHealth",
    "RouteBreakers",
    "RouteKey",
]

RouteKey = tuple[uuid.UUID | None, str, str]
"""(company, provider, upstream model); ``None`` is a call made for no company (platform workflows)."""
MAX_ROUTE_BREAKERS = 100_000


class BreakerState(StrEnum):
    """Circuit breaker states."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class ProviderHealth:
    """A provider's state from recent traffic, for ``/health/ai`` (no tokens spent to produce it)."""

    provider: str
    state: BreakerState
    recent_calls: int
    recent_success_rate: float | None
    consecutive_failures: int
    last_error_code: str | None
    last_error_message: str | None
    seconds_since_last_error: float | None
    last_latency_ms: float | None
    retry_in_s: float | None

    @property
    def healthy(self) -> bool:
        """Closed or probing, i.e. taking traffic."""
        return self.state is not BreakerState.OPEN

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view for ``/health/ai`` (rates and times rounded)."""
        rate = self.recent_success_rate
        since = self.seconds_since_last_error
        return {
            "provider": self.provider,
            "state": self.state.value,
            "healthy": self.healthy,
            "recent_calls": self.recent_calls,
            "recent_success_rate": None if rate is None else round(rate, 4),
            "consecutive_failures": self.consecutive_failures,
            "last_error_code": self.last_error_code,
            "last_error_message": self.last_error_message,
            "seconds_since_last_error": None if since is None else round(since, 1),
            "last_latency_ms": None if self.last_latency_ms is None else round(self.last_latency_ms, 2),
            "retry_in_s": None if self.retry_in_s is None else round(self.retry_in_s, 1),
        }


class CircuitBreaker:
    """A breaker and its recent-traffic record.

    Closed → open after ``failure_threshold`` consecutive failures; open → half-open once ``cooldown_s``
    passed, letting exactly one probe through; the probe's success closes it, its failure reopens it.
    """

    __slots__ = (
        "_clock",
        "_config",
        "_opened_at",
        "_opens_at_threshold",
        "_outcomes",
        "_probe_in_flight",
        "consecutive_failures",
        "last_error",
        "last_error_at",
        "last_latency_s",
        "name",
        "state",
    )

    def __init__(self, name: str, config: CircuitBreakerConfig, clock: Callable[[], float]) -> None:
        self.name = name
        self._config = config
        self._clock = clock
        self._outcomes: deque[bool] = deque(maxlen=config.window)
        self._opened_at = 0.0
        self._probe_in_flight = False
        self._opens_at_threshold = True
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self.last_error: GatewayError | None = None
        self.last_error_at: float | None = None
        self.last_latency_s: float | None = None

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when not open)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self._config.cooldown_s - self._clock())

    def allow(self) -> bool:
        """Whether a call may go to this provider now (claims the probe slot when half-opening)."""
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN and self.retry_in() > 0:
            return False
        if self._probe_in_flight:
            return False
        self.state = BreakerState.HALF_OPEN
        self._probe_in_flight = True
        return True

    def release(self) -> None:
        """Give the probe slot back without an outcome (the call was cancelled)."""
        self._probe_in_flight = False

    def record_success(self, latency_s: float) -> None:
        """The provider answered (a client error counts: the provider is up). Closes the breaker."""
        self._outcomes.append(True)
        self.last_latency_s = latency_s
        self.consecutive_failures = 0
        self._probe_in_flight = False
        self.state = BreakerState.CLOSED

    def record_failure(self, error: GatewayError, latency_s: float | None = None) -> None:
        """The provider failed; opens the breaker at the threshold or when the probe failed."""
        self._outcomes.append(False)
        if latency_s is not None:
            self.last_latency_s = latency_s
        self.last_error = error
        self.last_error_at = self._clock()
        self.consecutive_failures += 1
        probing = self.state is BreakerState.HALF_OPEN
        self._probe_in_flight = False
        at_threshold = self.consecutive_failures >= self._config.failure_threshold
        if probing or (at_threshold and self._opens_at_threshold):
            self.state = BreakerState.OPEN
            self._opened_at = self._clock()

    def health(self) -> ProviderHealth:
        """A snapshot for ``/health/ai``."""
        calls = len(self._outcomes)
        error = self.last_error
        return ProviderHealth(
            provider=self.name,
            state=self.state,
            recent_calls=calls,
            recent_success_rate=(sum(self._outcomes) / calls) if calls else None,
            consecutive_failures=self.consecutive_failures,
            last_error_code=error.code if error else None,
            last_error_message=error.message if error else None,
            seconds_since_last_error=None
            if self.last_error_at is None
            else self._clock() - self.last_error_at,
            last_latency_ms=None if self.last_latency_s is None else self.last_latency_s * 1000.0,
            retry_in_s=self.retry_in() if self.state is BreakerState.OPEN else None,
        )


class ProviderBreaker(CircuitBreaker):
    """A provider's shared breaker: opens only on failures seen across companies.

    ``record_failure`` takes the company whose call failed; the breaker opens when ``failure_threshold``
    consecutive failures came from at least ``provider_min_companies`` companies (any success resets
    the run). A failing probe reopens it whoever sent it.
    """

    __slots__ = ("_companies",)

    def __init__(self, name: str, config: CircuitBreakerConfig, clock: Callable[[], float]) -> None:
        super().__init__(name, config, clock)
        self._companies: set[uuid.UUID | None] = set()

    def record_success(self, latency_s: float) -> None:
        self._companies.clear()
        super().record_success(latency_s)

    def record_company_failure(
        self, company: uuid.UUID | None, error: GatewayError, latency_s: float | None = None
    ) -> None:
        """A provider failure seen by ``company``'s call."""
        self._companies.add(company)
        self._opens_at_threshold = len(self._companies) >= self._config.provider_min_companies
        self.record_failure(error, latency_s)


class RouteBreakers:
    """The route breakers of every company, created on a route's first failure."""

    __slots__ = ("_breakers", "_clock", "_config")

    def __init__(self, config: CircuitBreakerConfig, clock: Callable[[], float]) -> None:
        self._config = config
        self._clock = clock
        self._breakers: dict[RouteKey, CircuitBreaker] = {}

    def allow(self, key: RouteKey) -> bool:
        """Whether this company may call this target now (claims the probe slot when half-opening)."""
        breaker = self._breakers.get(key)
        return breaker is None or breaker.allow()

    def retry_in(self, key: RouteKey) -> float:
        """Seconds until the route lets a probe through (0 when it is not open)."""
        breaker = self._breakers.get(key)
        return 0.0 if breaker is None else breaker.retry_in()

    def release(self, key: RouteKey) -> None:
        """Give a probe slot back (the call was cancelled)."""
        breaker = self._breakers.get(key)
        if breaker is not None:
            breaker.release()

    def record_success(self, key: RouteKey, latency_s: float) -> None:
        """The route answered: a failing route closes and is forgotten."""
        breaker = self._breakers.pop(key, None)
        if breaker is not None:
            breaker.record_success(latency_s)

    def record_failure(self, key: RouteKey, error: GatewayError, latency_s: float | None = None) -> None:
        """The route failed (for whatever reason): counts against this company's route only."""
        breaker = self._breakers.get(key)
        if breaker is None:
            if len(self._breakers) >= MAX_ROUTE_BREAKERS:
                self._forget_closed()
            breaker = self._breakers[key] = CircuitBreaker(f"{key[1]}/{key[2]}", self._config, self._clock)
        breaker.record_failure(error, latency_s)

    def open_routes(self) -> int:
        """How many routes are open now (for health reports)."""
        return sum(1 for breaker in self._breakers.values() if breaker.state is BreakerState.OPEN)

    def _forget_closed(self) -> None:
        self._breakers = {k: b for k, b in self._breakers.items() if b.state is not BreakerState.CLOSED}
