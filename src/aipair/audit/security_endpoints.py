"""Security signals for platform staff (SUPPORT, SUPER_ADMIN signed in to the platform company)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from aipair.audit.security import SecurityEventKind
from aipair.audit.security_schemas import (
    FailedLoginsRead,
    LockoutsRead,
    ProbeRead,
    SecurityEventRead,
    SupportActivityRead,
)
from aipair.auth.dependencies import CurrentPrincipal, RuntimeDep, TenantSession
from aipair.kit.pagination import Page, Pagination

router = APIRouter(prefix="/api/security", tags=["security"])


@router.get("/failed-logins", response_model=FailedLoginsRead)
async def failed_logins(
    principal: CurrentPrincipal,
    session: TenantSession,
    runtime: RuntimeDep,
    minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60, description="Look-back window")] = 60,
) -> FailedLoginsRead:
    """Failed sign-ins per account and per source address in the window (default: the last hour)."""
    return FailedLoginsRead.model_validate(await runtime.security.failed_logins(session, principal, minutes))


@router.get("/lockouts", response_model=LockoutsRead)
async def lockouts(principal: CurrentPrincipal, session: TenantSession, runtime: RuntimeDep) -> LockoutsRead:
    """Accounts and source addresses locked out right now (the lockout threshold reached within its
    window), with the time each lock lifts."""
    return LockoutsRead.model_validate(await runtime.security.lockouts(session, principal))


@router.get("/cross-tenant-probes", response_model=list[ProbeRead])
async def cross_tenant_probes(
    principal: CurrentPrincipal,
    session: TenantSession,
    runtime: RuntimeDep,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
) -> list[ProbeRead]:
    """Per principal, requests for ids it may not see (answered 404) in the window, most first."""
    rows = await runtime.security.probes(session, principal, hours)
    return [ProbeRead.model_validate(r) for r in rows]


@router.get("/support-activity", response_model=SupportActivityRead)
async def support_activity(
    principal: CurrentPrincipal,
    session: TenantSession,
    runtime: RuntimeDep,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> SupportActivityRead:
    """Staff actions per member per day (flagged above 50) and temporary limit increases per week
    (flagged above 10), plus every increase above 200 requests. Thresholds: `AIPAIR_SUPPORT__*`."""
    return SupportActivityRead.model_validate(
        await runtime.security.support_activity(session, principal, days)
    )


@router.get("/events", response_model=Page[SecurityEventRead])
async def security_events(
    principal: CurrentPrincipal,
    session: TenantSession,
    runtime: RuntimeDep,
    page: Pagination,
    kind: Annotated[SecurityEventKind | None, Query(description="Only events of this kind")] = None,
) -> Page[SecurityEventRead]:
    """Recorded security events of every company, newest first."""
    rows = await runtime.security.events(session, principal, kind, page.limit, page.offset)
    return Page.of([SecurityEventRead.model_validate(r) for r in rows], page)
