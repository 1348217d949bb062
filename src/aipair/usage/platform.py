"""Usage across companies for platform staff (the runbook's AI cost review), without a support grant.

Only aggregates leave: per company its identity (id, slug, name, plan, status) and this month's counts
(members, AI requests against the plan's limit, tokens, cost, budget) — no member, key, meeting or
message. The database function behind it runs as the owner and answers platform staff only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import Principal
from aipair.security.errors import StaffOnly
from aipair.usage import repository as repo


class PlatformUsageService:
    """This month's usage of every company above a threshold of AI requests."""

    async def companies_over(
        self, session: AsyncSession, principal: Principal, over: int, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Companies with more than ``over`` AI requests this month (in their time zone), most first.

        Platform staff (SUPPORT, SUPER_ADMIN signed in to the platform company) only.
        """
        if not principal.in_platform_context:
            raise StaffOnly()
        return await repo.companies_over(session, over, limit)
