"""Console routes answer with pages: errors become error pages (404 for foreign ids, 403, 429, 503),
an ended session goes back to sign-in, and every unsafe request is checked for its CSRF token first."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response
from starlette.types import Scope

from aipair.auth.errors import CompanyInactive
from aipair.errors import AppError, NotFound, ValidationFailed
from aipair.kit.injection import registry_of
from aipair.security.probes import record_probe
from aipair.support.errors import NoSupportAccess
from aipair.web.csrf import csrf_ok
from aipair.web.errors import CsrfRejected, SignInRequired
from aipair.web.rendering import SECURITY_HEADERS, render
from aipair.web.sessions import SESSION_COOKIE, ConsoleSessions

ACTING_COOKIE = "aipair_acting"
"""The customer company platform staff act in (checked against an open grant on every request)."""

log = structlog.get_logger("aipair.web")
Handler = Callable[[Request], Coroutine[Any, Any, Response]]
TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported file",
    422: "Please check your input",
    429: "Too many requests",
    503: "Temporarily unavailable",
}


def safe_next(value: str | None) -> str:
    """A local path to return to (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def set_session_cookie(request: Request, response: Response, value: str | None) -> None:
    """Set (or, with None, clear) the console's session cookie: HttpOnly, Secure, SameSite=Lax."""
    settings = registry_of(request).get(ConsoleSessions).settings
    if value is None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True)
        return
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.session_max_hours * 3600,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def error_page(request: Request, error: AppError) -> Response:
    """The error as a page of its own, keeping its status and headers (``Retry-After``)."""
    status = error.status_code
    template = "suspended.html" if isinstance(error, CompanyInactive) else "error.html"
    context: dict[str, Any] = {
        "console": None,
        "notice": None,
        "status": status,
        "title": TITLES.get(status, "Something went wrong"),
        "message": error.message if status < 500 or status == 503 else "Something went wrong on our side.",
        "code": error.code,
        "request_id": request.scope.get("state", {}).get("request_id"),
    }
    response = render(request.app.state.console_templates, template, context, status)
    response.headers.update(error.headers)
    if isinstance(error, NoSupportAccess):
        response.delete_cookie(ACTING_COOKIE, path="/")  # the grant ended (or never was): leave the company
    return response


API_PREFIXES = ("/api/", "/v1/", "/auth/", "/health", "/metrics", "/docs", "/openapi", "/static/")


def browsing(request: Request) -> bool:
    """A person's browser asking for a page (not an API client): it gets an error page, not JSON."""
    accepts = request.headers.get("accept", "")
    return (
        request.method == "GET" and "text/html" in accepts and not request.url.path.startswith(API_PREFIXES)
    )


def maintenance_page(scope: Scope, retry_after: int) -> bytes | None:
    """The maintenance page for a person's browser (None for API clients, which get JSON)."""
    request = Request(scope)
    if not browsing(request):
        return None
    context = {
        "console": None,
        "notice": None,
        "title": "Maintenance",
        "minutes": max(1, -(-retry_after // 60)),
    }
    return bytes(render(scope["app"].state.console_templates, "maintenance.html", context, 503).body)


def _validation(exc: RequestValidationError) -> ValidationFailed:
    errors = exc.errors()
    first = errors[0] if errors else {}
    field = ".".join(str(p) for p in first.get("loc", ())[1:]) or "input"
    return ValidationFailed(f"{field}: {first.get('msg', 'invalid')}")


async def _answer(request: Request, handler: Handler) -> Response:
    try:
        if not await csrf_ok(request, registry_of(request).get(ConsoleSessions)):
            raise CsrfRejected()
        return await handler(request)
    except SignInRequired as exc:
        return RedirectResponse(f"/sign-in?next={quote(safe_next(exc.next_path))}", status_code=303)
    except AppError as exc:
        if isinstance(exc, NotFound):
            await record_probe(request)
        return error_page(request, exc)
    except RequestValidationError as exc:
        return error_page(request, _validation(exc))
    except Exception:  # the console's error boundary: a page, never a stack trace or a JSON body
        log.exception("console_error", path=request.url.path)
        return error_page(request, AppError())


class ConsoleRoute(APIRoute):
    """A route of the console (see the module docstring)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            response = await _answer(request, handler)
            renewed = getattr(request.state, "renewed_session", None)
            if renewed and SESSION_COOKIE not in response.headers.get("set-cookie", ""):
                set_session_cookie(request, response, renewed)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return console_handler
