"""The gateway's error tree in OpenAI's shape."""

from __future__ import annotations

import pytest

from aipair.errors import AppError
from aipair.gateway.errors import (
    BudgetExceeded,
    GatewayError,
    InvalidApiKey,
    InvalidRequest,
    ModelNotFound,
    PermissionDenied,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimitExceeded,
    UpstreamRateLimited,
)


@pytest.mark.parametrize(
    ("error", "status", "openai_type", "code"),
    [
        (InvalidRequest(), 400, "invalid_request_error", "invalid_request"),
        (InvalidApiKey(), 401, "authentication_error", "invalid_api_key"),
        (PermissionDenied(), 403, "permission_error", "permission_denied"),
        (ModelNotFound(), 404, "invalid_request_error", "model_not_found"),
        (RateLimitExceeded(), 429, "rate_limit_error", "rate_limit_exceeded"),
        (QuotaExceeded(), 429, "insufficient_quota", "quota_exceeded"),
        (BudgetExceeded(), 429, "insufficient_quota", "insufficient_quota"),
        (UpstreamRateLimited(), 429, "rate_limit_error", "upstream_rate_limited"),
        (ProviderError(), 502, "api_error", "upstream_error"),
        (ProviderUnavailable(), 503, "api_error", "provider_unavailable"),
        (ProviderTimeout(), 504, "api_error", "upstream_timeout"),
    ],
)
def test_each_error_knows_its_status_and_openai_type(
    error: GatewayError, status: int, openai_type: str, code: str
) -> None:
    body = error.to_openai_body()

    assert isinstance(error, AppError)
    assert error.status_code == status
    assert body == {"error": {"message": error.message, "type": openai_type, "param": None, "code": code}}


def test_param_and_message_reach_the_openai_body() -> None:
    error = InvalidRequest("'messages' must be a non-empty array", param="messages")

    assert error.to_openai_body()["error"]["param"] == "messages"
    assert error.to_openai_body()["error"]["message"] == "'messages' must be a non-empty array"


def test_retry_after_becomes_a_whole_second_header() -> None:
    assert BudgetExceeded(retry_after=0.2).headers == {"Retry-After": "1"}
    assert RateLimitExceeded(retry_after=12.3).headers == {"Retry-After": "13"}
    assert "Retry-After" not in ProviderError().headers


def test_only_upstream_failures_are_retried_or_sent_to_a_fallback() -> None:
    assert ProviderError.retryable and ProviderError.fallbackable
    assert ProviderTimeout.retryable and UpstreamRateLimited.retryable
    assert not InvalidRequest.fallbackable and not ModelNotFound.fallbackable
    assert not BudgetExceeded.retryable
