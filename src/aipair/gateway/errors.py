"""The gateway's error tree, rendered in OpenAI's error shape.

Every error the gateway raises on purpose is a :class:`GatewayError`: an :class:`~aipair.errors.AppError`
that also knows its OpenAI error ``type`` and renders ``{"error": {"message", "type", "param", "code"}}``
so the official OpenAI SDKs raise their usual exception for each status code.

Three class flags drive the router: ``retryable`` (worth another attempt on the same provider, e.g. a
5xx or a timeout), ``fallbackable`` (worth trying the next provider of the alias) and ``provider_fault``
(the provider itself failed: a 5xx, a timeout, no connection; never an upstream 4xx). Errors caused by
the client's own request (400, 404 of a public model) are neither, so they reach the client unchanged.
Messages never contain a provider key: adapters scrub upstream messages before raising.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from aipair.errors import AppError

__all__ = [
    "BudgetExceeded",
    "CompanyHeaderRefused",
    "GatewayError",
    "InvalidApiKey",
    "InvalidRequest",
    "KeyBudgetExceeded",
    "ModelNotFound",
    "PermissionDenied",
    "ProviderAuthFailed",
    "ProviderError",
    "ProviderQuotaExhausted",
    "ProviderTimeout",
    "ProviderUnavailable",
    "ProviderUnreachable",
    "QuotaExceeded",
    "RateLimitExceeded",
    "RouteNotOffered",
    "UnsupportedOperation",
    "UpstreamModelNotFound",
    "UpstreamRateLimited",
]


class GatewayError(AppError):
    """Root of the gateway's errors; renders itself in OpenAI's error shape.

    ``param`` names the offending request field (OpenAI's ``param``), ``retry_after`` (seconds) adds a
    ``Retry-After`` header rounded up to a whole second.
    """

    openai_type: ClassVar[str] = "api_error"
    retryable: ClassVar[bool] = False
    fallbackable: ClassVar[bool] = False
    provider_fault: ClassVar[bool] = False
    """Whether this failure says the provider itself is in trouble (counts against its shared breaker)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        param: str | None = None,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message, headers=headers, **details)
        self.param = param
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers.setdefault("Retry-After", str(max(1, math.ceil(retry_after))))

    def to_openai_body(self) -> dict[str, Any]:
        """The body OpenAI would send: ``{"error": {"message", "type", "param", "code"}}``."""
        return {
            "error": {
                "message": self.message,
                "type": self.openai_type,
                "param": self.param,
                "code": self.code,
            }
        }


# --- the client's request ---------------------------------------------------------------------------


class InvalidRequest(GatewayError):
    """The request body is unusable (missing field, wrong type, absurd value)."""

    status_code = 400
    code = "invalid_request"
    openai_type = "invalid_request_error"
    default_message = "Invalid request"


class UnsupportedOperation(InvalidRequest):
    """The model's provider cannot do this operation (e.g. embeddings on Anthropic)."""

    code = "unsupported_operation"
    default_message = "This model does not support this operation"


class InvalidApiKey(GatewayError):
    """The API key is missing, unknown, expired or revoked."""

    status_code = 401
    code = "invalid_api_key"
    openai_type = "authentication_error"
    default_message = "Incorrect API key provided"


class PermissionDenied(GatewayError):
    """The key is valid but may not do this (scope, company status, model not allowed)."""

    status_code = 403
    code = "permission_denied"
    openai_type = "permission_error"
    default_message = "You are not allowed to do this"


class CompanyHeaderRefused(PermissionDenied):
    """``X-Aipair-Company`` on an AI call: AI calls act in the key's (or session's) own company only."""

    code = "company_header_forbidden"
    default_message = "X-Aipair-Company is not accepted on AI calls: they act in your own company"


class ModelNotFound(GatewayError):
    """The public model name is unknown (or not available to this company).

    OpenAI itself answers unknown models with type ``invalid_request_error`` and code ``model_not_found``.
    """

    status_code = 404
    code = "model_not_found"
    openai_type = "invalid_request_error"
    default_message = "The model does not exist or you do not have access to it"


class RouteNotOffered(GatewayError):
    """An OpenAI route this gateway deliberately does not offer."""

    status_code = 404
    code = "unknown_url"
    openai_type = "invalid_request_error"
    default_message = "This route is not offered by this gateway"


# --- governance (raised by the governed endpoints) ---------------------------------------------------


class RateLimitExceeded(GatewayError):
    """A company or key rate limit (RPM, TPM, AI requests per hour) was hit."""

    status_code = 429
    code = "rate_limit_exceeded"
    openai_type = "rate_limit_error"
    default_message = "Rate limit exceeded"


class QuotaExceeded(GatewayError):
    """The company's monthly AI-request quota is used up."""

    status_code = 429
    code = "quota_exceeded"
    openai_type = "insufficient_quota"
    default_message = "Monthly AI request quota exceeded"


class BudgetExceeded(GatewayError):
    """The worst-case cost of the request does not fit the remaining monthly budget.

    OpenAI's code for "out of credit" (``insufficient_quota``), which its clients treat as final rather
    than as a rate limit to wait out."""

    status_code = 429
    code = "insufficient_quota"
    openai_type = "insufficient_quota"
    default_message = "Monthly budget exceeded"


class KeyBudgetExceeded(BudgetExceeded):
    """The worst-case cost of the request does not fit the API key's own remaining monthly budget."""


# --- upstream providers ------------------------------------------------------------------------------


class UpstreamRateLimited(GatewayError):
    """The upstream provider answered 429; retried with backoff, then the next target is tried."""

    status_code = 429
    code = "upstream_rate_limited"
    openai_type = "rate_limit_error"
    default_message = "The upstream provider is rate limiting requests"
    retryable = True
    fallbackable = True


class ProviderError(GatewayError):
    """The upstream provider failed (5xx, broken response); retried, then the next target is tried."""

    status_code = 502
    code = "upstream_error"
    openai_type = "api_error"
    default_message = "The upstream provider failed"
    retryable = True
    fallbackable = True
    provider_fault = True


class ProviderUnreachable(ProviderError):
    """The upstream could not be reached or dropped the connection."""

    code = "upstream_unreachable"
    default_message = "The upstream provider could not be reached"


class ProviderAuthFailed(ProviderError):
    """The upstream rejected the platform's own credentials (a configuration problem, not the client's)."""

    code = "upstream_auth_failed"
    default_message = "The upstream provider rejected the gateway's credentials"
    retryable = False


class ProviderQuotaExhausted(ProviderError):
    """The platform's account at the upstream is out of credit or quota."""

    code = "upstream_quota_exhausted"
    default_message = "The upstream provider account is out of quota"
    retryable = False


class UpstreamModelNotFound(ProviderError):
    """The upstream does not know the configured upstream model (an alias misconfiguration)."""

    code = "upstream_model_not_found"
    default_message = "The upstream provider does not serve the configured model"
    retryable = False
    provider_fault = False  # the alias names a model it does not have: that route's fault alone


class ProviderTimeout(GatewayError):
    """The upstream did not answer within the timeout."""

    status_code = 504
    code = "upstream_timeout"
    openai_type = "api_error"
    default_message = "The upstream provider timed out"
    retryable = True
    fallbackable = True
    provider_fault = True


class ProviderUnavailable(GatewayError):
    """No target of the model could serve: every fallback failed or its circuit breaker is open."""

    status_code = 503
    code = "provider_unavailable"
    openai_type = "api_error"
    default_message = "No provider is available for this model right now"
