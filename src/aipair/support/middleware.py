"""The support actions log, written around every request.

Staff requests are logged under a company when they act inside it (``X-Aipair-Company``), name it
in the path (``/api/companies/{company_id}/...``: a SUPER_ADMIN suspending it) or in the body
(grants, limit increases: :func:`mark_support_target`).

:class:`SupportActionsMiddleware` runs around the whole route, after the handler and after the
error handlers, and writes in its own transaction, so a staff request that failed (404 without a
grant, 403 under a read grant, a 5xx) is logged all the same.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aipair.auth.dependencies import scope_principal
from aipair.auth.principal import Principal
from aipair.kit.ids import parse_uuid
from aipair.kit.injection import ServiceRegistry
from aipair.support.actions import SupportActionEntry, SupportActionsLog

log = structlog.get_logger("aipair.audit")
SUPPORT_TARGET = "support_target"


def mark_support_target(request: Request, company_id: uuid.UUID) -> None:
    """Log this request of platform staff under ``company_id`` (for routes naming the company in the body)."""
    setattr(request.state, SUPPORT_TARGET, company_id)


def support_entry(scope: Scope, status_code: int) -> SupportActionEntry | None:
    """What to log for this request, or None when it was not platform staff acting in a company."""
    state: dict[str, Any] = scope.get("state") or {}
    principal = scope_principal(scope)
    if principal is None or not principal.platform_role or principal.user_id is None:
        return None
    company_id = state.get(SUPPORT_TARGET) or (principal.company_id if principal.support else None)
    company_id = company_id or _company_in_path(scope, principal)
    if company_id is None:
        return None
    route = scope.get("route")
    return SupportActionEntry(
        support_user_id=principal.user_id,
        platform_role=principal.platform_role,
        company_id=company_id,
        method=scope["method"],
        path=scope["path"],
        route=getattr(route, "path", None),
        endpoint=getattr(route, "name", None),
        query=scope.get("query_string", b"").decode("latin-1")[:500],
        status_code=status_code,
        grant_scope=principal.support.scope if principal.support else None,
        origin=principal.origin,
    )


def _company_in_path(scope: Scope, principal: Principal) -> uuid.UUID | None:
    """A customer company named in the path (``/api/companies/{company_id}/...``): staff act on it."""
    raw = (scope.get("path_params") or {}).get("company_id")
    company_id = parse_uuid(raw) if isinstance(raw, str) else raw
    return company_id if isinstance(company_id, uuid.UUID) and company_id != principal.company_id else None


class SupportActionsMiddleware:
    """Write one ``support_actions_log`` row per request platform staff make inside a company."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            entry = support_entry(scope, status["code"])
            if entry is not None:
                await _log(scope, entry)


async def _log(scope: Scope, entry: SupportActionEntry) -> None:
    services: ServiceRegistry | None = getattr(scope["app"].state, "services", None)
    if services is None:
        return
    try:
        await services.get(SupportActionsLog).log_action(entry)
    except Exception:  # the request's answer stands; the failure is loud in the logs
        log.exception("support_action_not_logged", company_id=str(entry.company_id), path=entry.path)
