"""The one error tree of the application and the handler that renders it.

Every domain subclasses :class:`AppError` with a fixed HTTP status and a stable snake_case code.
Routes never raise ``HTTPException``; the handlers below turn any ``AppError`` into
``{"error": {"code": ..., "message": ...}}`` with the request id attached.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    """Root of every error the application raises on purpose."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Internal error"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None, **details: Any):
        self.message = message or self.default_message
        self.headers = headers or {}
        self.details = details
        super().__init__(self.message)

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class BadRequest(AppError):
    """The request is malformed."""

    status_code = 400
    code = "bad_request"
    default_message = "Bad request"


class InvalidJson(BadRequest):
    """The body is not valid JSON (or not valid UTF-8)."""

    code = "invalid_json"
    default_message = "Request body is not valid JSON"


class ValidationFailed(AppError):
    """The body or parameters do not match the schema."""

    status_code = 422
    code = "validation_error"
    default_message = "Invalid input"


class Unauthorized(AppError):
    """No valid credentials."""

    status_code = 401
    code = "unauthorized"
    default_message = "Authentication required"


class Forbidden(AppError):
    """Authenticated, but the role may not do this."""

    status_code = 403
    code = "forbidden"
    default_message = "You are not allowed to do this"


class NotFound(AppError):
    """The resource does not exist, or belongs to another company (existence never leaks)."""

    status_code = 404
    code = "not_found"
    default_message = "Not found"


class Conflict(AppError):
    """The change conflicts with existing state."""

    status_code = 409
    code = "conflict"
    default_message = "Conflict"


class PayloadTooLarge(AppError):
    """The body or file is larger than allowed."""

    status_code = 413
    code = "payload_too_large"
    default_message = "Request body too large"


class UnsupportedMediaType(AppError):
    """The uploaded file type is not supported."""

    status_code = 415
    code = "unsupported_media_type"
    default_message = "Unsupported media type"


class Unprocessable(AppError):
    """Well-formed but unusable content (corrupt transcript or audio)."""

    status_code = 422
    code = "unprocessable"
    default_message = "The content could not be processed"


class TooManyRequests(AppError):
    """A limit was hit; ``Retry-After`` says when to come back."""

    status_code = 429
    code = "rate_limited"
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **details: Any):
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))}, **details)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    """A dependency is down or the platform is in maintenance."""

    status_code = 503
    code = "service_unavailable"
    default_message = "Service unavailable"


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class EmbeddedServerFailed(ServiceUnavailable):
    """A program of the embedded PostgreSQL server (``pg_ctl``, ``initdb``) failed; the message is its
    own last words."""

    code = "embedded_server_failed"
    default_message = "The embedded PostgreSQL server did not do what was asked"


class PortInUse(ServiceUnavailable):
    """A port the platform must listen on is taken by another program; the message names the setting
    that moves it."""

    code = "port_in_use"
    default_message = "A port the platform needs is taken"
