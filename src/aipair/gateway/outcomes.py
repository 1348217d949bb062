"""The outcome of a settled AI call, for the metrics: from the code of the error it ended with."""

from __future__ import annotations

from aipair.gateway.errors import GatewayError


def _codes_with(statuses: range | tuple[int, ...]) -> frozenset[str]:
    found: set[str] = set()
    pending: list[type[GatewayError]] = [GatewayError]
    while pending:
        error = pending.pop()
        pending.extend(error.__subclasses__())
        if error.status_code in statuses:
            found.add(error.code)
    return frozenset(found)


RATE_LIMITED = _codes_with((429,))
CLIENT_ERRORS = _codes_with(range(400, 429)) | _codes_with(range(430, 500))


def call_outcome(error_code: str | None) -> str:
    """``success``, ``client_error`` (the request itself was wrong), ``rate_limited`` (429s),
    ``cancelled`` (the client went away) or ``upstream_error`` (the providers failed)."""
    if error_code is None:
        return "success"
    if error_code == "cancelled":
        return "cancelled"
    if error_code in RATE_LIMITED:
        return "rate_limited"
    if error_code in CLIENT_ERRORS:
        return "client_error"
    return "upstream_error"
