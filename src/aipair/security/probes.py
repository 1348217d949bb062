"""Cross-tenant probe counting: a 404 on a route with an id, answered to an authenticated caller."""

from __future__ import annotations

import structlog
from fastapi import Request

from aipair.auth.dependencies import scope_principal
from aipair.kit.injection import registry_of
from aipair.security.service import SecurityService

log = structlog.get_logger("aipair.security")


async def record_probe(request: Request) -> None:
    """Count a 404 on a route with an id as a cross-tenant probe of the authenticated caller."""
    principal = scope_principal(request.scope)
    template = getattr(request.scope.get("route"), "path", "")
    if principal is None or "_id}" not in template:
        return
    try:
        await registry_of(request).get(SecurityService).record_probe(principal, request.method, template)
    except Exception:  # never turn a 404 into a 500
        log.exception("probe_not_recorded", path=template)
