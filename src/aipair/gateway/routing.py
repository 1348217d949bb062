"""Routing of one call over a model's ordered targets: retries, backoff, circuit breakers, fallback.

For each target in order: skip it while its provider's breaker is open; otherwise call it, retrying
``retryable`` failures (429, 5xx, timeouts) up to the provider's ``max_retries`` with full-jitter
exponential backoff (an upstream ``Retry-After`` is honoured when small, else the router moves on);
then fall back to the next target on ``fallbackable`` failures. Client errors (400) are raised at once.
When every target failed or was skipped the caller gets :class:`ProviderUnavailable` (503), or
:class:`UpstreamRateLimited` (429, with the providers' ``Retry-After``) when every failure was a 429.

Streams fall back only before their first chunk: ``stream_chat`` returns once a provider produced one.
The clock, sleep and random source are injected so tests are instant and deterministic.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from aipair.gateway.errors import GatewayError, ProviderError, ProviderUnavailable, UpstreamRateLimited
from aipair.gateway.provider_config import CircuitBreakerConfig, GatewayProvidersConfig, RetryConfig
from aipair.gateway.providers.base import (
    ChatResult,
    EmbeddingsResult,
    JsonObject,
    Provider,
    TranscriptionResult,
)
from aipair.gateway.providers.registry import ProviderEntry, ProviderRegistry, Target
from aipair.gateway.providers.streaming import ChatStream
from aipair.observability.ai_metrics import ProviderCalls

__all__ = ["BreakerState", "CircuitBreaker", "ProviderHealth", "Routed", "Router"]

T = TypeVar("T")
Call = Callable[[Provider, str, float], Awaitable[T]]


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
    """Per-provider breaker and recent-traffic record.

    Closed → open after ``failure_threshold`` consecutive failures; open → half-open once ``cooldown_s``
    passed, letting exactly one probe through; the probe's success closes it, its failure reopens it.
    """

    __slots__ = (
        "_clock",
        "_config",
        "_opened_at",
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
        if probing or self.consecutive_failures >= self._config.failure_threshold:
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


@dataclass(frozen=True, slots=True)
class Routed(Generic[T]):
    """A result and who actually produced it (for usage records): provider name and upstream model.

    ``attempts`` counts upstream calls made, failed ones included; ``latency_s`` is the successful
    call's duration (for streams: time to the first chunk).
    """

    result: T
    provider: str
    model: str
    attempts: int
    latency_s: float


class Router:
    """Sends calls for public model names to their providers, with retries, breakers and fallback."""

    def __init__(
        self,
        registry: ProviderRegistry,
        *,
        retry: RetryConfig | None = None,
        breaker: CircuitBreakerConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        calls: ProviderCalls | None = None,
    ) -> None:
        self._registry = registry
        self._calls = calls
        self._retry = retry or RetryConfig()
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._breaker_config = breaker or CircuitBreakerConfig()
        self._breakers = {
            name: CircuitBreaker(name, self._breaker_config, clock) for name in registry.provider_names()
        }

    @classmethod
    def from_config(
        cls, registry: ProviderRegistry, config: GatewayProvidersConfig, calls: ProviderCalls | None = None
    ) -> Router:
        """A router with the retry and breaker policy of ``config``, telling ``calls`` about each call."""
        return cls(registry, retry=config.retry, breaker=config.breaker, calls=calls)

    def derive(self, registry: ProviderRegistry, *, own_breakers: Collection[str] = ()) -> Router:
        """A router over ``registry`` with this router's policy, sharing its breakers.

        Providers named in ``own_breakers`` (those called with a company's own key) get breakers of
        their own: a company's revoked or exhausted key must not open the breaker of every company.
        """
        router = Router(
            registry,
            retry=self._retry,
            breaker=self._breaker_config,
            clock=self._clock,
            sleep=self._sleep,
            rand=self._rand,
            calls=self._calls,
        )
        for name in router._breakers.keys() & self._breakers.keys():
            if name not in own_breakers:
                router._breakers[name] = self._breakers[name]
        return router

    @property
    def registry(self) -> ProviderRegistry:
        """The registry this router resolves models with."""
        return self._registry

    async def chat(self, model: str, body: JsonObject) -> Routed[ChatResult]:
        """A non-streaming chat completion for public ``model``."""
        return await self._route(model, lambda p, m, t: p.chat(body, model=m, timeout_s=t))

    async def stream_chat(self, model: str, body: JsonObject) -> Routed[ChatStream]:
        """A chat stream, opened (first chunk received) on the first target that could; caller closes it.

        Mid-stream failures are reported to that provider's breaker; there is no fallback after that.
        """
        routed = await self._route(model, lambda p, m, t: p.stream_chat(body, model=m, timeout_s=t))
        breaker = self._breakers[routed.provider]
        routed.result.on_error = breaker.record_failure
        return routed

    async def embeddings(self, model: str, body: JsonObject) -> Routed[EmbeddingsResult]:
        """Embeddings for public ``model``."""
        return await self._route(model, lambda p, m, t: p.embeddings(body, model=m, timeout_s=t))

    async def transcribe(
        self, model: str, file: bytes, filename: str, params: Mapping[str, str]
    ) -> Routed[TranscriptionResult]:
        """A transcription for public ``model``."""
        return await self._route(
            model, lambda p, m, t: p.transcribe(file, filename, params, model=m, timeout_s=t)
        )

    def health(self) -> dict[str, ProviderHealth]:
        """Each built provider's state from recent traffic, by provider name."""
        return {name: breaker.health() for name, breaker in self._breakers.items()}

    async def _route(self, public_model: str, call: Call[T]) -> Routed[T]:
        targets = self._registry.resolve(public_model)
        failures: list[GatewayError] = []
        for index, target in enumerate(targets):
            routed = await self._try_target(target, call, failures)
            if routed is not None:
                if index and self._calls is not None:
                    self._calls.fallback(target.provider)
                return routed
        raise self._exhausted(public_model, targets, failures)

    async def _try_target(
        self, target: Target, call: Call[T], failures: list[GatewayError]
    ) -> Routed[T] | None:
        entry = self._registry.entry(target.provider)
        breaker = self._breakers[target.provider]
        for attempt in range(entry.max_retries + 1):
            if not breaker.allow():
                return None
            started = self._clock()
            outcome = await self._attempt(entry, target, call, breaker)
            latency = self._clock() - started
            if self._calls is not None:
                ok = not isinstance(outcome, GatewayError)
                self._calls.upstream(target.provider, target.model, ok, latency)
            if not isinstance(outcome, GatewayError):
                breaker.record_success(latency)
                return Routed(outcome, target.provider, target.model, len(failures) + 1, latency)
            if not outcome.fallbackable:
                breaker.record_success(latency)  # the provider answered; the request itself is wrong
                raise outcome
            breaker.record_failure(outcome, latency)
            failures.append(outcome)
            delay = self._retry_delay(outcome, attempt, entry.max_retries)
            if delay is None:
                return None
            await self._sleep(delay)
        return None

    async def _attempt(
        self, entry: ProviderEntry, target: Target, call: Call[T], breaker: CircuitBreaker
    ) -> T | GatewayError:
        try:
            return await call(entry.provider, target.model, entry.timeout_s)
        except GatewayError as exc:
            return exc
        except asyncio.CancelledError:
            breaker.release()
            raise
        except Exception as exc:  # an adapter bug must not take the request down with it
            error = ProviderError(f"Provider '{target.provider}' failed unexpectedly ({type(exc).__name__})")
            error.__cause__ = exc
            return error

    def _retry_delay(self, error: GatewayError, attempt: int, max_retries: int) -> float | None:
        """Seconds to wait before retrying the same target, or None to move on."""
        if not error.retryable or attempt >= max_retries:
            return None
        backoff = self._rand() * min(self._retry.max_delay_s, self._retry.base_delay_s * (1 << attempt))
        if error.retry_after is None:
            return backoff
        if error.retry_after > self._retry.max_retry_after_s:
            return None
        return max(error.retry_after, backoff)

    def _exhausted(
        self, public_model: str, targets: tuple[Target, ...], failures: list[GatewayError]
    ) -> GatewayError:
        hints = [f.retry_after for f in failures if f.retry_after is not None]
        waits = [self._breakers[t.provider].retry_in() for t in targets]
        hints.extend(w for w in waits if w > 0)
        retry_after = min(hints) if hints else None
        if failures and all(isinstance(f, UpstreamRateLimited) for f in failures):
            # Every provider asked us to slow down: so must the client (429 with their Retry-After).
            return UpstreamRateLimited(
                f"Every provider for model '{public_model}' is rate limiting requests",
                retry_after=retry_after,
            )
        if not failures:
            return ProviderUnavailable(
                f"No provider for model '{public_model}' is available right now", retry_after=retry_after
            )
        error = ProviderUnavailable(
            f"Every provider for model '{public_model}' failed (last: {failures[-1].code})",
            retry_after=retry_after,
            failures=[f.code for f in failures],
        )
        error.__cause__ = failures[-1]
        return error
