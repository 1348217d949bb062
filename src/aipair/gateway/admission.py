"""Governance of one AI call, in order: caller → company status → rate limits → quota → budget.

``Admissions.admit`` returns an :class:`Admission` holding the reservation; ``Admissions.settle``
turns it into the real cost. Nothing here holds a database transaction across the provider call.

Every call of an API key, and every refusal with 429 (which limit, for which key, from where), is
noted in memory for the security signals (:class:`~aipair.security.signals.KeySignals`); they
are written in the background, never while the request waits.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from aipair.auth.principal import CompanyId
from aipair.gateway.errors import (
    BudgetExceeded,
    InvalidRequest,
    KeyBudgetExceeded,
    PermissionDenied,
    QuotaExceeded,
    RateLimitExceeded,
)
from aipair.gateway.pricing import Price, PriceLookup, cost_micro_usd, worst_case_cost
from aipair.gateway.providers.base import Usage
from aipair.gateway.ratelimit import Decision, RateLimiter, Window
from aipair.gateway.routing import Router
from aipair.gateway.tokens import UNKNOWN_MODEL_MAX_OUTPUT, RequestEstimate
from aipair.kit.periods import PeriodClock
from aipair.observability.ai_metrics import AiMetrics
from aipair.security.service import SecurityEventKind
from aipair.security.signals import KeySignals
from aipair.tenancy.policy_cache import CompanyPolicy, CompanyPolicyCache
from aipair.usage.service import Reservation, Settlement, UsageService

TOKEN_WINDOW = "key_tpm:"
RATE_NAMES = {
    "rpm": "company requests per minute",
    "aph": "company AI requests per hour",
    "key_rpm": "API key requests per minute",
    "key_tpm": "API key tokens per minute",
}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling the gateway: a company, and a key or a signed-in person."""

    company_id: CompanyId
    user_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    budget_micro_usd: int | None = None
    ip: str | None = None
    """The client's address (for the security signals)."""


@dataclass(slots=True)
class Admission:
    """An admitted request: its reservation, rate-limit headers and start time."""

    reservation: Reservation
    headers: dict[str, str]
    day: date
    started: float = field(default_factory=time.perf_counter)
    settled: bool = False


class Admissions:
    """Admit and settle AI calls for every operation of the gateway."""

    def __init__(
        self,
        router: Router,
        prices: PriceLookup,
        policies: CompanyPolicyCache,
        limiter: RateLimiter,
        usage: UsageService,
        *,
        signals: KeySignals,
        metrics: AiMetrics | None = None,
    ):
        self._router = router
        self._prices = prices
        self._policies = policies
        self._limiter = limiter
        self._usage = usage
        self._signals = signals
        self._metrics = metrics
        self._periods = PeriodClock()

    async def policy(self, caller: Caller) -> CompanyPolicy:
        """The caller's company policy; a suspended or cancelled company may not use AI."""
        policy = await self._policies.get(caller.company_id)
        if policy is None or not policy.may_use_ai:
            raise PermissionDenied("This company is suspended or cancelled and may not use AI")
        return policy

    def worst_case(self, public_model: str, input_tokens: int, max_output_tokens: int) -> int:
        """The highest cost any target of the model could charge (micro-USD)."""
        today = datetime.now(UTC).date()
        costs = [
            worst_case_cost(price, input_tokens, max_output_tokens)
            for target in self._router.registry.resolve(public_model)
            if (price := self._prices.lookup(target.provider, target.model, today)) is not None
        ]
        return max(costs, default=0)

    def output_limit(self, public_model: str) -> int:
        """The most completion tokens a call to the model may ask for: the largest any of its targets
        writes, as the price catalog says (a target it does not limit counts as the generous default)."""
        today = datetime.now(UTC).date()
        return max(
            self._prices.output_limit(target.provider, target.model, today) or UNKNOWN_MODEL_MAX_OUTPUT
            for target in self._router.registry.resolve(public_model)
        )

    async def admit(
        self, caller: Caller, operation: str, public_model: str, request_id: str, estimate: RequestEstimate
    ) -> Admission:
        """Run the checks in order and reserve the worst case; raises the first refusal."""
        policy = await self.policy(caller)
        if caller.key_id is not None and caller.ip is not None:  # a client's call, not a workflow's
            self._signals.used(caller.company_id, caller.key_id, caller.ip)
        self._router.registry.resolve(public_model)  # unknown model: 404 before anything is counted
        windows = self._windows(caller, policy, _tokens_per_minute_cost(caller, estimate))
        decision = await self._limiter.acquire(windows)
        headers = _rate_headers(decision, windows)
        if not decision.allowed:
            which = decision.refused.key.split(":")[0] if decision.refused else "requests"
            self._refused(caller, SecurityEventKind.RATE_LIMITED, which)
            raise RateLimitExceeded(
                f"Rate limit reached ({RATE_NAMES.get(which, which)})",
                retry_after=decision.retry_after,
                headers=headers,
            )
        period = self._periods.current(policy.zone)
        reservation = Reservation(
            company_id=caller.company_id,
            period=period.month,
            request_id=request_id,
            user_id=caller.user_id,
            key_id=caller.key_id,
            operation=operation,
            model=public_model,
            cost_micro_usd=self.worst_case(public_model, estimate.input_tokens, estimate.max_output_tokens),
            quota=policy.ai_requests_per_month,
            budget_micro_usd=policy.budget_micro_usd,
            key_budget_micro_usd=caller.budget_micro_usd,
            retry_after_s=period.seconds_left,
            day=period.day,
            alert_thresholds=policy.alert_thresholds,
        )
        await self._reserve(caller, reservation)
        return Admission(reservation, headers, period.day)

    async def _reserve(self, caller: Caller, reservation: Reservation) -> None:
        """Reserve against quota and budgets; a refusal is noted for the security signals."""
        try:
            await self._usage.reserve(reservation)
        except QuotaExceeded:
            self._refused(caller, SecurityEventKind.BUDGET_REJECTED, "quota")
            raise
        except BudgetExceeded as exc:
            limit = "key_budget" if isinstance(exc, KeyBudgetExceeded) else "budget"
            self._refused(caller, SecurityEventKind.BUDGET_REJECTED, limit)
            raise

    def _refused(self, caller: Caller, kind: SecurityEventKind, limit: str) -> None:
        self._signals.rejected(caller.company_id, caller.key_id, caller.user_id, caller.ip, kind.value, limit)

    async def settle(
        self,
        admission: Admission,
        provider: str | None,
        model: str | None,
        usage: Usage | None,
        error_code: str | None = None,
    ) -> None:
        """Record the real cost (zero and a refund of the request when nothing was served)."""
        if admission.settled:
            return
        admission.settled = True
        served = usage is not None and provider is not None and model is not None
        price = self._price(provider, model) if served else None
        tokens = usage or Usage()
        cost = cost_micro_usd(price, tokens.input_tokens, tokens.output_tokens) if price else 0
        r = admission.reservation
        if self._metrics is not None:
            code = error_code if error_code is not None or served else "unknown"
            self._metrics.settled(provider, model, code, tokens.input_tokens, tokens.output_tokens, cost)
        await self._usage.settle(
            r,
            Settlement(
                status="succeeded" if served else "failed",
                provider=provider,
                model=model,
                input_tokens=tokens.input_tokens,
                output_tokens=tokens.output_tokens,
                cost_micro_usd=cost,
                latency_ms=int((time.perf_counter() - admission.started) * 1000),
                error_code=error_code,
                day=admission.day,
            ),
        )

    def _price(self, provider: str | None, model: str | None) -> Price | None:
        if provider is None or model is None:
            return None
        return self._prices.lookup(provider, model, datetime.now(UTC).date())

    @staticmethod
    def _windows(caller: Caller, policy: CompanyPolicy, tokens: int) -> list[Window]:
        company = str(caller.company_id)
        windows = [
            Window(f"rpm:{company}", policy.requests_per_minute, 60),
            Window(f"aph:{company}", policy.ai_requests_per_hour, 3600),
        ]
        if caller.key_id is not None and caller.requests_per_minute:
            windows.append(Window(f"key_rpm:{caller.key_id}", caller.requests_per_minute, 60))
        if caller.key_id is not None and caller.tokens_per_minute:
            windows.append(
                Window(f"{TOKEN_WINDOW}{caller.key_id}", caller.tokens_per_minute, 60, cost=tokens)
            )
        return windows


def _tokens_per_minute_cost(caller: Caller, estimate: RequestEstimate) -> int:
    """Tokens a call takes from its key's per-minute budget: its input plus the most it may produce.

    Without ``max_tokens``, that is the model's output limit capped by what the key's limit leaves; a
    call that could never fit the limit is refused with 400 (no wait would ever admit it).
    """
    limit = caller.tokens_per_minute
    need = estimate.input_tokens + estimate.max_output_tokens
    if not limit or caller.key_id is None:
        return need
    if estimate.input_tokens > limit:
        raise InvalidRequest(
            f"This request has about {estimate.input_tokens} input tokens; the API key allows {limit}"
            " tokens per minute",
            param="messages",
        )
    if estimate.explicit_output:
        if need > limit:
            raise InvalidRequest(
                f"Input and max_tokens come to {need} tokens; the API key allows {limit} tokens per minute",
                param="max_tokens",
            )
        return need
    return estimate.input_tokens + min(max(estimate.output_limit, 1), limit - estimate.input_tokens)


def _rate_headers(decision: Decision, windows: list[Window]) -> dict[str, str]:
    """OpenAI's ``x-ratelimit-*`` headers for the tightest window of this caller: the one that refused,
    else the request window with the fewest requests left (company or key); tokens from the key's TPM."""
    requests = [i for i, w in enumerate(windows) if not w.key.startswith(TOKEN_WINDOW)]
    tokens = [i for i, w in enumerate(windows) if w.key.startswith(TOKEN_WINDOW)]
    refused = decision.refused
    if refused is not None and not refused.key.startswith(TOKEN_WINDOW):
        chosen = windows.index(refused)
    else:
        chosen = min(requests, key=lambda i: decision.remaining[i])
    headers = {
        "x-ratelimit-limit-requests": str(windows[chosen].limit),
        "x-ratelimit-remaining-requests": str(max(0, decision.remaining[chosen])),
        "x-ratelimit-reset-requests": f"{max(decision.reset_in[chosen], 0):.0f}s",
    }
    if tokens:
        i = tokens[0]
        headers["x-ratelimit-limit-tokens"] = str(windows[i].limit)
        headers["x-ratelimit-remaining-tokens"] = str(max(0, decision.remaining[i]))
        headers["x-ratelimit-reset-tokens"] = f"{max(decision.reset_in[i], 0):.0f}s"
    return headers
