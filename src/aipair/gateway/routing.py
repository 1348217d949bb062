"""Routing of one call over a model's ordered targets: retries, backoff, circuit breakers, fallback.

For each target in order: skip it while its route's or its provider's breaker is open (see
:mod:`aipair.gateway.breakers`); otherwise call it, retrying
``retryable`` failures (429, 5xx, timeouts) up to the provider's ``max_retries`` with full-jitter
exponential backoff (an upstream ``Retry-After`` is honoured when small, else the router moves on);
then fall back to the next target on ``fallbackable`` failures. Client errors (400) are raised at once.
When every target failed or was skipped the caller gets :class:`ProviderUnavailable` (503), or the
upstream's 429 (with its ``Retry-After``) when every attempt was refused by the upstream's rate limit.

Streams fall back only before their first chunk: ``stream_chat`` returns once a provider produced one.
The clock, sleep and random source are injected so tests are instant and deterministic.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from aipair.config.providers import CircuitBreakerConfig, GatewayProvidersConfig, RetryConfig
from aipair.gateway.breakers import (
    BreakerState,
    CircuitBreaker,
    ProviderBreaker,
    ProviderHealth,
    RouteBreakers,
    RouteKey,
)
from aipair.gateway.errors import GatewayError, ProviderError, ProviderUnavailable, UpstreamRateLimited
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

__all__ = ["BreakerState", "Call", "CircuitBreaker", "ProviderHealth", "Routed", "Router"]

T = TypeVar("T")
Call = Callable[[Provider, str, float], Awaitable[T]]
Company = uuid.UUID | None


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
    """Sends calls for public model names to their providers, with retries, breakers and fallback.

    Every call names the company it is made for (``None``: a platform workflow); see
    :mod:`aipair.gateway.breakers` for what counts against whom.
    """

    def __init__(
        self,
        registry: ProviderRegistry,
        *,
        retry: RetryConfig | None = None,
        breaker: CircuitBreakerConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        routes: RouteBreakers | None = None,
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
            name: ProviderBreaker(name, self._breaker_config, clock) for name in registry.provider_names()
        }
        self._routes = routes or RouteBreakers(self._breaker_config, clock)

    @classmethod
    def from_config(
        cls, registry: ProviderRegistry, config: GatewayProvidersConfig, calls: ProviderCalls | None = None
    ) -> Router:
        """A router with the retry and breaker policy of ``config``, telling ``calls`` about each call."""
        return cls(registry, retry=config.retry, breaker=config.breaker, calls=calls)

    def derive(self, registry: ProviderRegistry, *, own_breakers: Collection[str] = ()) -> Router:
        """A router over ``registry`` with this router's policy, sharing its breakers.

        Providers named in ``own_breakers`` (those called with a company's own key) get provider
        breakers of their own: a company's revoked or exhausted key must not open the breaker of every
        company. Route breakers are always shared (they are keyed by company).
        """
        router = Router(
            registry,
            retry=self._retry,
            breaker=self._breaker_config,
            clock=self._clock,
            sleep=self._sleep,
            rand=self._rand,
            routes=self._routes,
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

    async def chat(
        self, model: str, body: JsonObject, company: Company = None, call: Call[ChatResult] | None = None
    ) -> Routed[ChatResult]:
        """A non-streaming chat completion for public ``model`` (``call``: how to ask each provider,
        when not its ``chat``)."""
        ask = call or (lambda p, m, t: p.chat(body, model=m, timeout_s=t))
        return await self.route(model, ask, company)

    async def stream_chat(
        self, model: str, body: JsonObject, company: Company = None, call: Call[ChatStream] | None = None
    ) -> Routed[ChatStream]:
        """A chat stream, opened (first chunk received) on the first target that could; caller closes it.

        Mid-stream failures are reported to that target's breakers; there is no fallback after that.
        ``call``: how to open the stream of each provider, when not its ``stream_chat``.
        """
        ask = call or (lambda p, m, t: p.stream_chat(body, model=m, timeout_s=t))
        routed = await self.route(model, ask, company)
        key = (company, routed.provider, routed.model)
        routed.result.on_error = lambda error: self._record_failure(key, error, None)
        return routed

    async def embeddings(
        self, model: str, body: JsonObject, company: Company = None
    ) -> Routed[EmbeddingsResult]:
        """Embeddings for public ``model``."""
        return await self.route(model, lambda p, m, t: p.embeddings(body, model=m, timeout_s=t), company)

    async def transcribe(
        self, model: str, file: bytes, filename: str, params: Mapping[str, str], company: Company = None
    ) -> Routed[TranscriptionResult]:
        """A transcription for public ``model``."""
        return await self.route(
            model, lambda p, m, t: p.transcribe(file, filename, params, model=m, timeout_s=t), company
        )

    def health(self) -> dict[str, ProviderHealth]:
        """Each built provider's state from recent traffic, by provider name."""
        return {name: breaker.health() for name, breaker in self._breakers.items()}

    def open_routes(self) -> int:
        """How many company routes are open now (a company's own target failing, nobody else's)."""
        return self._routes.open_routes()

    async def route(self, public_model: str, call: Call[T], company: Company = None) -> Routed[T]:
        """``call(provider, upstream_model, timeout_s)`` on the first target of ``public_model`` that
        serves it, with retries and fallback."""
        targets = self._registry.resolve(public_model)
        failures: list[GatewayError] = []
        for index, target in enumerate(targets):
            routed = await self._try_target(target, call, failures, company)
            if routed is not None:
                if index and self._calls is not None:
                    self._calls.fallback(target.provider)
                return routed
        raise self._exhausted(public_model, targets, failures, company)

    def _allow(self, key: RouteKey) -> bool:
        provider = self._breakers[key[1]]
        if not self._routes.allow(key):
            return False
        if provider.allow():
            return True
        self._routes.release(key)
        return False

    def _record_failure(self, key: RouteKey, error: GatewayError, latency: float | None) -> None:
        self._routes.record_failure(key, error, latency)
        provider = self._breakers[key[1]]
        if error.provider_fault:
            provider.record_company_failure(key[0], error, latency)
        else:  # it answered: the request (its model, its key, its rate), not the provider, was at fault
            provider.record_success(latency or 0.0)

    async def _try_target(
        self, target: Target, call: Call[T], failures: list[GatewayError], company: Company
    ) -> Routed[T] | None:
        entry = self._registry.entry(target.provider)
        key = (company, target.provider, target.model)
        for attempt in range(entry.max_retries + 1):
            if not self._allow(key):
                return None
            started = self._clock()
            outcome = await self._attempt(entry, target, call, key)
            latency = self._clock() - started
            if self._calls is not None:
                ok = not isinstance(outcome, GatewayError)
                self._calls.upstream(target.provider, target.model, ok, latency)
            if not isinstance(outcome, GatewayError):
                self._routes.record_success(key, latency)
                self._breakers[target.provider].record_success(latency)
                return Routed(outcome, target.provider, target.model, len(failures) + 1, latency)
            if not outcome.fallbackable:
                # The provider answered; the request itself is wrong (and says nothing of the route).
                self._routes.release(key)
                self._breakers[target.provider].record_success(latency)
                raise outcome
            self._record_failure(key, outcome, latency)
            failures.append(outcome)
            delay = self._retry_delay(outcome, attempt, entry.max_retries)
            if delay is None:
                return None
            await self._sleep(delay)
        return None

    async def _attempt(
        self, entry: ProviderEntry, target: Target, call: Call[T], key: RouteKey
    ) -> T | GatewayError:
        try:
            return await call(entry.provider, target.model, entry.timeout_s)
        except GatewayError as exc:
            return exc
        except asyncio.CancelledError:
            self._routes.release(key)
            self._breakers[target.provider].release()
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
        self,
        public_model: str,
        targets: tuple[Target, ...],
        failures: list[GatewayError],
        company: Company,
    ) -> GatewayError:
        """503 when nothing could serve, or 429 when every attempt was the upstream rate limiting."""
        hints = [f.retry_after for f in failures if f.retry_after is not None]
        waits = [
            max(self._breakers[t.provider].retry_in(), self._routes.retry_in((company, t.provider, t.model)))
            for t in targets
        ]
        hints.extend(w for w in waits if w > 0)
        retry_after = min(hints) if hints else None
        if not failures:
            return ProviderUnavailable(
                f"No provider for model '{public_model}' is available right now", retry_after=retry_after
            )
        if all(isinstance(f, UpstreamRateLimited) for f in failures):
            limited = UpstreamRateLimited(
                f"The provider of model '{public_model}' is rate limiting requests; retry later",
                retry_after=retry_after if retry_after is not None else 1.0,
            )
            limited.__cause__ = failures[-1]
            return limited
        error = ProviderUnavailable(
            f"Every provider for model '{public_model}' failed (last: {failures[-1].code})",
            retry_after=retry_after,
            failures=[f.code for f in failures],
        )
        error.__cause__ = failures[-1]
        return error
