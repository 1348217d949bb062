"""What the AI gateway reports: each settled call (where its usage event is recorded), each provider call
(where it completes) and each fallback.

Model labels are kept to the models the platform prices (anything else, such as a model a company's own
alias names, counts as ``other``), so a company can never grow the number of series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aipair.observability.metrics import (
    AI_COST,
    AI_FALLBACKS,
    AI_REQUESTS,
    AI_TOKENS,
    AI_UPSTREAM_DURATION,
)

OTHER = "other"
NONE = "none"
OUTCOMES = ("success", "client_error", "rate_limited", "upstream_error", "cancelled")
Outcome = Callable[[str | None], str]
"""The outcome label of a settled call from its error code (None: served)."""
Known = Callable[[str, str], bool]
"""Whether a (provider, upstream model) pair is one of the platform's priced models."""


class ProviderCalls(Protocol):
    """Told about every call to a provider as it completes, and about every fallback."""

    def upstream(self, provider: str, model: str, ok: bool, seconds: float) -> None: ...

    def fallback(self, provider: str) -> None: ...


class ProviderCallFanOut:
    """Several :class:`ProviderCalls` observers as one."""

    def __init__(self, *observers: ProviderCalls) -> None:
        self._observers = observers

    def upstream(self, provider: str, model: str, ok: bool, seconds: float) -> None:
        for observer in self._observers:
            observer.upstream(provider, model, ok, seconds)

    def fallback(self, provider: str) -> None:
        for observer in self._observers:
            observer.fallback(provider)


def provider_calls(*observers: ProviderCalls | None) -> ProviderCalls | None:
    """The observers given (None: nobody is told anything)."""
    present = [o for o in observers if o is not None]
    if len(present) < 2:
        return present[0] if present else None
    return ProviderCallFanOut(*present)


class AiMetrics:
    """Counts AI calls by provider, model and outcome, their tokens and cost, and upstream latency."""

    def __init__(
        self, outcome: Outcome, known: Known, *, providers: Iterable[str] = (), max_models: int = 500
    ) -> None:
        self._outcome = outcome
        self._known = known
        self._max_models = max_models
        self._labels: dict[tuple[str | None, str | None], tuple[str, str]] = {}
        self._settled: dict[tuple[str, str, str], Any] = {}
        self._billed: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
        self._upstream: dict[tuple[str, bool], Any] = {}
        for provider in providers:  # each provider's fallback series exists (at 0) from the start
            AI_FALLBACKS.labels(provider=provider)

    def settled(
        self,
        provider: str | None,
        model: str | None,
        error_code: str | None,
        input_tokens: int,
        output_tokens: int,
        cost_micro_usd: int,
    ) -> None:
        """One call settled (its usage event written): served by ``provider``/``model`` or failed."""
        labels = self._label(provider, model)
        outcome = self._outcome(error_code)
        key = (*labels, outcome)
        counter = self._settled.get(key)
        if counter is None:
            counter = self._settled[key] = AI_REQUESTS.labels(*key)
        counter.inc()
        if input_tokens or output_tokens or cost_micro_usd:
            inputs, outputs, cost = self._billing(labels)
            if input_tokens:
                inputs.inc(input_tokens)
            if output_tokens:
                outputs.inc(output_tokens)
            if cost_micro_usd:
                cost.inc(cost_micro_usd)

    def upstream(self, provider: str, model: str, ok: bool, seconds: float) -> None:
        """One call to a provider completed (answered, failed or timed out) after ``seconds``."""
        histogram = self._upstream.get((provider, ok))
        if histogram is None:
            histogram = AI_UPSTREAM_DURATION.labels(provider=provider, outcome="ok" if ok else "error")
            self._upstream[(provider, ok)] = histogram
        histogram.observe(seconds)

    def fallback(self, provider: str) -> None:
        """A later target of the model served the call after an earlier one failed."""
        AI_FALLBACKS.labels(provider=provider).inc()

    def _label(self, provider: str | None, model: str | None) -> tuple[str, str]:
        labels = self._labels.get((provider, model))
        if labels is None:
            if provider is None or model is None:
                labels = (provider or NONE, NONE)
            else:
                labels = (provider, model if self._known(provider, model) else OTHER)
            if len(self._labels) < self._max_models:
                self._labels[(provider, model)] = labels
        return labels

    def _billing(self, labels: tuple[str, str]) -> tuple[Any, Any, Any]:
        children = self._billed.get(labels)
        if children is None:
            provider, model = labels
            children = self._billed[labels] = (
                AI_TOKENS.labels(provider=provider, model=model, direction="input"),
                AI_TOKENS.labels(provider=provider, model=model, direction="output"),
                AI_COST.labels(provider=provider, model=model),
            )
        return children
