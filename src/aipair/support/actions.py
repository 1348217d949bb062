"""The support actions log: one row per request platform staff make inside a company.

Written by :class:`~aipair.support.middleware.SupportActionsMiddleware` in a transaction of its own, so
a staff request that failed is logged all the same; read by the company's OWNER and ADMIN and by
platform staff.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.auth.principal import ClientInfo, Principal
from aipair.db.engine import DbContext, transaction
from aipair.observability.metrics import SUPPORT_ACTIONS
from aipair.support import actions_repository as repo
from aipair.support.models import SupportAction
from aipair.tenancy.models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class SupportActionEntry:
    """One request of a staff member inside a company, as the middleware saw it."""

    support_user_id: uuid.UUID
    platform_role: str
    company_id: uuid.UUID
    method: str
    path: str
    route: str | None
    endpoint: str | None
    query: str
    status_code: int
    grant_scope: str | None
    origin: ClientInfo | None


class SupportActionsLog:
    """Append to and read ``support_actions_log``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions

    async def log_action(self, entry: SupportActionEntry) -> None:
        """Append one row to ``support_actions_log`` in its own transaction (kept when the request failed)."""
        access = "read" if entry.method.upper() in SAFE_METHODS else "write"
        origin = entry.origin or ClientInfo(None, None)
        row = SupportAction(
            support_user_id=entry.support_user_id,
            target_company_id=entry.company_id,
            action_type=(entry.endpoint or "unmatched_route")[:64],
            description=f"{entry.method} {entry.route or entry.path} -> {entry.status_code}",
            data={
                "access": access,
                "method": entry.method,
                "path": entry.path,
                "route": entry.route,
                "query": entry.query,
                "grant_scope": entry.grant_scope,
            },
            ip_address=origin.ip,
            user_agent=(origin.user_agent or "")[:500] or None,
            request_id=origin.request_id,
            status_code=entry.status_code,
        )
        context = DbContext(user_id=entry.support_user_id, platform_role=entry.platform_role)
        async with transaction(self._sessions, context) as session:
            await repo.add(session, row)
        SUPPORT_ACTIONS.labels(access=access).inc()

    async def actions(
        self,
        session: AsyncSession,
        principal: Principal,
        company_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> list[SupportAction]:
        """What platform staff did inside companies, newest first.

        Company OWNER/ADMIN see their company's rows; staff (from the platform company) see
        their own rows, a SUPER_ADMIN every row, optionally of one ``company_id``.
        """
        if not principal.in_platform_context:
            principal.require(Role.ADMIN)
            company_id = principal.company_id
        return await repo.list_actions(session, company_id, limit, offset)
