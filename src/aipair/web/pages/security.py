"""Security signals for platform staff: failed sign-ins and lockouts, cross-tenant probes, refused and
unusual key use, busy staff."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from aipair.security.dependencies import Security
from aipair.security.schemas import (
    EventFilter,
    FailedLoginsRead,
    KeyRejectionsRead,
    LockoutsRead,
    ProbeRead,
    SecurityEventRead,
    SupportActivityRead,
)
from aipair.security.service import SecurityEventKind
from aipair.web.dependencies import StaffPage
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/platform/security")
async def security(
    page: StaffPage,
    security: Security,
) -> Response:
    """The last hour's failed sign-ins, current lockouts, the last day's probes and refusals, unusual key
    use and the week's staff activity."""
    db, who = page.db, page.principal
    unusual = EventFilter(SecurityEventKind.UNUSUAL_KEY_USE, None, None, None)
    return page.page(
        "security.html",
        title="Security",
        failed=FailedLoginsRead.model_validate(await security.failed_logins(db, who, 60)),
        lockouts=LockoutsRead.model_validate(await security.lockouts(db, who)),
        probes=[ProbeRead.model_validate(r) for r in await security.probes(db, who, 24)],
        rejections=[
            KeyRejectionsRead.model_validate(r) for r in await security.key_rejections(db, who, 24, None)
        ],
        unusual=[SecurityEventRead.model_validate(r) for r in await security.events(db, who, unusual, 50, 0)],
        staff=SupportActivityRead.model_validate(await security.support_activity(db, who, 7)),
    )
