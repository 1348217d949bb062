"""Backups and restore drills as recorded (platform staff): what `aipair backup list` and the
scheduled jobs took, verified and measured."""

from __future__ import annotations

from fastapi import APIRouter

from aipair.auth.dependencies import AdminCaller, TenantSession
from aipair.ops.backups.dependencies import Backups
from aipair.ops.backups.schemas import BackupsOverview

router = APIRouter(prefix="/api/ops/backups", tags=["operations"])


@router.get("", response_model=BackupsOverview)
async def backups_overview(
    principal: AdminCaller,
    session: TenantSession,
    backups: Backups,
) -> BackupsOverview:
    """The newest backups (kind, size, verification) and restore drills (passed, measured RTO and
    RPO against the runbook's 30 min and 5 min)."""
    return await backups.overview(session, principal)
