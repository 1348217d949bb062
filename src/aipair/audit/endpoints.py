"""The audit trail of your company and what platform staff did in it (OWNER, ADMIN)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from aipair.audit.dependencies import Audit
from aipair.audit.export import to_csv
from aipair.audit.schemas import AuditEntryRead, AuditFilters
from aipair.auth.dependencies import AdminCaller, TenantSession
from aipair.kit.pagination import Page, Pagination

router = APIRouter(prefix="/api/audit", tags=["audit"])


def audit_filters(
    action: Annotated[
        str | None, Query(max_length=100, description="Action prefix: `tenancy.`, `auth.api_key.revoke`")
    ] = None,
    actor: Annotated[uuid.UUID | None, Query(description="User or API key id of the actor")] = None,
    target_type: Annotated[str | None, Query(max_length=50)] = None,
    target_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[datetime | None, Query(alias="from", description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Before this time")] = None,
) -> AuditFilters:
    return AuditFilters(action, actor, target_type, target_id, since, until)


Filters = Annotated[AuditFilters, Depends(audit_filters)]


@router.get("", response_model=Page[AuditEntryRead])
async def list_audit(
    principal: AdminCaller,
    session: TenantSession,
    audit: Audit,
    page: Pagination,
    filters: Filters,
) -> Page[AuditEntryRead]:
    """Every change in your company, newest first: who (user, API key, platform staff or system),
    what (`domain.entity.verb`), on what, before and after, from where. Rows are append-only and
    hash-chained (`seq`, `hash`)."""
    rows = await audit.entries(session, principal, filters, page.limit, page.offset)
    return Page.of([AuditEntryRead.model_validate(r) for r in rows], page)


@router.get("/export.csv", response_class=Response)
async def export_audit(
    principal: AdminCaller, session: TenantSession, audit: Audit, filters: Filters
) -> Response:
    """The filtered audit trail as CSV (at most 100,000 rows, newest first)."""
    rows = await audit.export(session, principal, filters)
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
