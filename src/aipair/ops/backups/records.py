"""The backup and drill records as the API and the metrics read them (platform staff)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import Principal
from aipair.ops.backups import repository as repo
from aipair.ops.backups.drill import RUNBOOK_RPO_S, RUNBOOK_RTO_S
from aipair.ops.backups.schemas import BackupRead, BackupsOverview, DrillRead
from aipair.ops.errors import StaffOnly


class BackupRecords:
    """Read what backups and drills recorded."""

    async def overview(self, session: AsyncSession, principal: Principal) -> BackupsOverview:
        """The newest 50 backups and 20 drills (platform staff)."""
        if not principal.in_platform_context:
            raise StaffOnly("Backups are for platform staff")
        return BackupsOverview(
            runbook_rto_seconds=RUNBOOK_RTO_S,
            runbook_rpo_seconds=RUNBOOK_RPO_S,
            backups=[BackupRead.of(row) for row in await repo.recent_backups(session, 50)],
            drills=[DrillRead.of(row) for row in await repo.recent_drills(session, 20)],
        )
