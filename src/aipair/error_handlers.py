"""The one place that turns exceptions into responses: ``{"error": {"code", "message"}}``.

Routes under ``/v1/`` answer in the OpenAI error shape (``/v1/messages`` in Anthropic's) so the official
SDKs raise their usual exception types.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError, StatementError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Scope

from aipair.db.database import Database
from aipair.db.failures import DatabaseUnavailable, as_unavailable
from aipair.edge import UnstorableInput, is_unstorable_error
from aipair.errors import HTTP_CODES, AppError, InvalidJson, NotFound, ValidationFailed
from aipair.gateway.dialects.anthropic_messages import anthropic_error
from aipair.observability.metrics import DB_ERRORS
from aipair.security.probes import record_probe
from aipair.web.routing import browsing, error_page

log = structlog.get_logger("aipair.errors")
ANTHROPIC_PATHS = "/v1/messages"
OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_response(scope: Scope, error: AppError) -> JSONResponse:
    """The response for ``error`` on the request of ``scope`` (for middleware that answers itself)."""
    return _render(Request(scope), error)


def _render(request: Request, error: AppError) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None) or request.scope.get("state", {}).get(
        "request_id"
    )
    path = request.url.path
    if path.startswith(ANTHROPIC_PATHS):
        status, body = anthropic_error(error)
        return JSONResponse(body, status_code=status, headers=error.headers)
    if path.startswith("/v1/"):
        body = _openai_body(error)
    else:
        body = error.to_body()
        body["error"]["request_id"] = request_id
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


def _openai_body(error: AppError) -> dict[str, Any]:
    custom = getattr(error, "to_openai_body", None)
    if callable(custom):
        result: dict[str, Any] = custom()
        return result
    kind = OPENAI_TYPES.get(error.status_code, "api_error")
    return {"error": {"message": error.message, "type": kind, "param": None, "code": error.code}}


def _validation(exc: RequestValidationError) -> AppError:
    errors = exc.errors()
    if any(e.get("type") in ("json_invalid", "json_type") for e in errors):
        return InvalidJson()
    details = [
        {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        for e in errors[:20]
    ]
    first = details[0] if details else {"loc": [], "msg": "Invalid input"}
    message = f"{'.'.join(first['loc'][1:]) or 'body'}: {first['msg']}"
    return ValidationFailed(message, errors=details)


DATABASE_ERRORS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
DRIVER_ERRORS = (*DATABASE_ERRORS, OSError, TimeoutError)
"""Errors that may mean the database is down or unresponsive: answered 503 when they do, else 500.
Handled here rather than by the last-resort handler, so the connection stays open for the next request."""


def _report_outage(request: Request, error: DatabaseUnavailable) -> None:
    """Count the failure and let the process's database watch probe now (it logs the outage once)."""
    services = getattr(request.app.state, "services", None)
    if services is not None and Database in services:
        services.get(Database).watch.report(error.kind)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, exc_info=exc)
    return _render(request, AppError())


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, NotFound):
        await record_probe(request)
    elif isinstance(exc, DatabaseUnavailable):
        _report_outage(request, exc)
    return _render(request, exc)


async def _maybe_database(request: Request, exc: Exception) -> Response:
    """503 ``database_unavailable`` when ``exc`` is a database failure, else the 500 of a bug."""
    unavailable = as_unavailable(exc)
    if unavailable is None:
        if isinstance(exc, DATABASE_ERRORS):
            DB_ERRORS.labels(kind="other").inc()
        return _internal_error(request, exc)
    _report_outage(request, unavailable)
    return _render(request, unavailable)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _render(request, _validation(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and browsing(request):
        return error_page(request, NotFound("There is no such page"))
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        return _render(request, InvalidJson("Request body is not valid UTF-8 JSON"))
    error = AppError(str(exc.detail), headers=dict(exc.headers or {}))
    error.status_code = exc.status_code  # type: ignore[misc]
    error.code = HTTP_CODES.get(exc.status_code, "http_error")  # type: ignore[misc]
    return _render(request, error)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up before its body arrived: nothing to answer, nothing went wrong here.
    return Response(status_code=499)


async def _unstorable(request: Request, exc: Exception) -> Response:
    # The last line behind the edge guard (multipart text fields): the database refused a character.
    if not is_unstorable_error(exc):
        return await _maybe_database(request, exc)
    return _render(request, UnstorableInput())


def _install_unstorable(app: FastAPI) -> None:
    refusals = (
        StatementError,
        UnicodeEncodeError,
        CharacterNotInRepertoireError,
        UntranslatableCharacterError,
    )
    for refusal in refusals:
        app.add_exception_handler(refusal, _unstorable)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(AppError, _app_error)
    for error_type in DRIVER_ERRORS:
        app.add_exception_handler(error_type, _maybe_database)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    _install_unstorable(app)
    app.add_exception_handler(Exception, _maybe_database)
