"""Security signals for platform staff (SUPPORT, SUPER_ADMIN signed in to the platform company)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from aipair.auth.dependencies import AdminCaller, Auth, PasswordChanges, TenantSession
from aipair.auth.schemas import LockLift, LocksLifted, PasswordResetIssued, PasswordResetRequest
from aipair.kit.pagination import Page, Pagination
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

router = APIRouter(prefix="/api/security", tags=["security"])


@router.get("/failed-logins", response_model=FailedLoginsRead)
async def failed_logins(
    principal: AdminCaller,
    session: TenantSession,
    security: Security,
    minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60, description="Look-back window")] = 60,
) -> FailedLoginsRead:
    """Failed sign-ins per account and per source address in the window (default: the last hour)."""
    return FailedLoginsRead.model_validate(await security.failed_logins(session, principal, minutes))


@router.get("/lockouts", response_model=LockoutsRead)
async def lockouts(
    principal: AdminCaller,
    session: TenantSession,
    security: Security,
) -> LockoutsRead:
    """Accounts locked out right now (each until a fixed time), and source addresses slowed down
    (over the address threshold within the window: slowed, never locked)."""
    return LockoutsRead.model_validate(await security.lockouts(session, principal))


@router.post("/lockouts/lift", response_model=LocksLifted)
async def lift_lock(
    body: LockLift,
    principal: AdminCaller,
    session: TenantSession,
    auth: Auth,
) -> LocksLifted:
    """Lift an account's sign-in lock now (SUPER_ADMIN). The failed sign-ins stay in
    `auth.failed_logins`; the lift is audited (`auth.lock.lift`) with who, when and the reason."""
    lifted = await auth.operator_lifts_lock(session, principal, body.email, body.reason)
    return LocksLifted(lifted=len(lifted))


@router.get("/cross-tenant-probes", response_model=list[ProbeRead])
async def cross_tenant_probes(
    principal: AdminCaller,
    session: TenantSession,
    security: Security,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
) -> list[ProbeRead]:
    """Per principal, requests for ids it may not see (answered 404) in the window, most first."""
    rows = await security.probes(session, principal, hours)
    return [ProbeRead.model_validate(r) for r in rows]


@router.get("/support-activity", response_model=SupportActivityRead)
async def support_activity(
    principal: AdminCaller,
    session: TenantSession,
    security: Security,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> SupportActivityRead:
    """Staff actions per member per day (flagged above 50) and temporary limit increases per week
    (flagged above 10), plus every increase above 200 requests. Thresholds: `AIPAIR_SUPPORT__*`."""
    return SupportActivityRead.model_validate(await security.support_activity(session, principal, days))


@router.get("/key-rejections", response_model=list[KeyRejectionsRead])
async def key_rejections(
    principal: AdminCaller,
    session: TenantSession,
    security: Security,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
    company_id: Annotated[uuid.UUID | None, Query(description="Only this company")] = None,
) -> list[KeyRejectionsRead]:
    """AI calls refused with 429 in the window per company, API key, kind (`rate_limited`,
    `budget_rejected`) and limit, most first, with up to five source addresses. Refusals are written
    in batches every few seconds (`AIPAIR_SIGNALS__FLUSH_INTERVAL_S`)."""
    rows = await security.key_rejections(session, principal, hours, company_id)
    return [KeyRejectionsRead.model_validate(r) for r in rows]


@router.get("/events", response_model=Page[SecurityEventRead])
async def security_events(
    principal: AdminCaller,
    session: TenantSession,
    security: Security,
    page: Pagination,
    kind: Annotated[SecurityEventKind | None, Query(description="Only events of this kind")] = None,
    company_id: Annotated[uuid.UUID | None, Query(description="Only this company's events")] = None,
    api_key_id: Annotated[uuid.UUID | None, Query(description="Only this API key's events")] = None,
    reason: Annotated[
        Literal["new_ip", "spend_spike", "error_spike", "off_hours"] | None,
        Query(description="Only `unusual_key_use` events for this reason"),
    ] = None,
) -> Page[SecurityEventRead]:
    """Recorded security events of every company, newest first. `rate_limited` and `budget_rejected`
    rows aggregate the calls of one key refused by one limit within a few seconds (`detail.count`,
    `detail.limit`); `unusual_key_use` rows say why in `detail.reason` (`new_ip`, `spend_spike`,
    `error_spike`, `off_hours`), each at most once per key, reason and period."""
    where = EventFilter(kind, company_id, api_key_id, reason)
    rows = await security.events(session, principal, where, page.limit, page.offset)
    return Page.of([SecurityEventRead.model_validate(r) for r in rows], page)


@router.post("/password-resets", response_model=PasswordResetIssued, status_code=201)
async def reset_any_password(
    body: PasswordResetRequest,
    principal: AdminCaller,
    session: TenantSession,
    passwords: PasswordChanges,
) -> PasswordResetIssued:
    """Issue a one-time password reset code for any account (SUPER_ADMIN of the platform). With SMTP
    configured it is e-mailed to the account's address and `token` is null; otherwise `token` is shown
    here, once. Audited as `auth.password_reset.issue`."""
    issued = await passwords.operator_issues_reset(session, principal, body.email)
    return PasswordResetIssued.model_validate(issued, from_attributes=True)
