"""Security signals: recorded by whoever notices them, read by platform staff.

Other domains report through :meth:`SecurityService.record_event` (its own short transaction, for
callers outside one — the gateway's rate-limit and budget rejections, unusual key use) or
:meth:`SecurityService.add_event` (inside the caller's transaction). Each event is also counted in
``aipair_security_events_total{kind}``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.auth.principal import Principal
from aipair.config import AuthSettings, SupportSettings
from aipair.db.engine import DbContext, transaction
from aipair.observability.metrics import SECURITY_EVENTS
from aipair.security import repository as repo
from aipair.security.errors import StaffOnly
from aipair.security.models import SecurityEvent
from aipair.security.schemas import EventFilter

MAX_ROWS = 500


class SecurityEventKind(enum.StrEnum):
    """What happened; ``detail`` carries the specifics."""

    CROSS_TENANT_PROBE = "cross_tenant_probe"
    RATE_LIMITED = "rate_limited"
    BUDGET_REJECTED = "budget_rejected"
    UNUSUAL_KEY_USE = "unusual_key_use"
    SUPPORT_LIMIT_INCREASE = "support_limit_increase"
    REFRESH_TOKEN_REUSE = "refresh_token_reuse"


class EventDetails(TypedDict, total=False):
    """Who and what an event is about, each optional."""

    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    ip: str | None
    method: str | None
    path: str | None
    detail: Mapping[str, Any] | None


class SecurityService:
    """Record security events and compute the signals platform staff watch."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], auth: AuthSettings, support: SupportSettings
    ):
        self._sessions = sessions
        self._auth = auth
        self._support = support

    async def record_event(
        self, kind: SecurityEventKind, *, company_id: uuid.UUID, **about: Unpack[EventDetails]
    ) -> None:
        """Append one event in its own short transaction (in ``company_id``'s tenant context).

        ``path`` is a route template (``/v1/chat/completions``, ``/api/keys/{key_id}``), never a URL
        with ids or secrets; ``detail`` is small JSON (``{"reason": "rpm", "limit": 100}``).
        """
        async with transaction(self._sessions, DbContext(company_id=company_id)) as session:
            await self.add_event(session, kind, company_id=company_id, **about)

    async def add_event(
        self,
        session: AsyncSession,
        kind: SecurityEventKind,
        *,
        company_id: uuid.UUID,
        **about: Unpack[EventDetails],
    ) -> None:
        """Append one event inside the caller's transaction (kept only if it commits)."""
        event = SecurityEvent(
            company_id=company_id,
            kind=kind.value,
            user_id=about.get("user_id"),
            api_key_id=about.get("api_key_id"),
            ip=about.get("ip"),
            method=about.get("method"),
            path=(about.get("path") or "")[:300] or None,
            detail=dict(about.get("detail") or {}),
        )
        await repo.add_event(session, event)
        SECURITY_EVENTS.labels(kind=kind.value).inc()

    async def record_probe(self, principal: Principal, method: str, path: str) -> None:
        """Count a request for an id the caller cannot see (answered 404) as a cross-tenant probe."""
        origin = principal.origin
        await self.record_event(
            SecurityEventKind.CROSS_TENANT_PROBE,
            company_id=principal.company_id,
            user_id=principal.user_id,
            api_key_id=principal.api_key_id,
            ip=origin.ip if origin else None,
            method=method,
            path=path,
            detail={"support": principal.support is not None},
        )

    async def failed_logins(
        self, session: AsyncSession, principal: Principal, minutes: int
    ) -> dict[str, Any]:
        """Failed sign-ins per account and per source address in the last ``minutes`` (staff only)."""
        _require_staff(principal)
        accounts, addresses = await repo.failures(session, minutes, 1, MAX_ROWS)
        return {"window_minutes": minutes, "by_account": accounts, "by_ip": addresses}

    async def lockouts(self, session: AsyncSession, principal: Principal) -> dict[str, Any]:
        """Accounts locked out right now and until when, and addresses being slowed (staff only)."""
        _require_staff(principal)
        window = self._auth.lockout_window_minutes
        address_threshold = self._auth.address_throttle_threshold
        _, addresses = await repo.failures(session, window, address_threshold, MAX_ROWS)
        return {
            "threshold": self._auth.lockout_threshold,
            "window_minutes": window,
            "lock_minutes": self._auth.lockout_minutes,
            "address_threshold": address_threshold,
            "accounts": await repo.active_locks(session, MAX_ROWS),
            "addresses": addresses,
        }

    async def probes(self, session: AsyncSession, principal: Principal, hours: int) -> list[dict[str, Any]]:
        """Cross-tenant probes per principal in the last ``hours`` (staff only)."""
        _require_staff(principal)
        return await repo.probes(session, hours, MAX_ROWS)

    async def support_activity(
        self, session: AsyncSession, principal: Principal, days: int
    ) -> dict[str, Any]:
        """Staff actions per day and limit increases per week against their thresholds, and large
        increases (staff only; a SUPPORT member sees its own actions, a SUPER_ADMIN everyone's)."""
        _require_staff(principal)
        settings = self._support
        daily, weekly, large = await repo.support_activity(session, days, settings.large_increase_threshold)
        for row in daily:
            row["over_threshold"] = row["actions"] > settings.actions_per_day_threshold
        for row in weekly:
            row["over_threshold"] = row["increases"] > settings.increases_per_week_threshold
        return {
            "days": days,
            "thresholds": {
                "actions_per_day": settings.actions_per_day_threshold,
                "increases_per_week": settings.increases_per_week_threshold,
                "large_increase": settings.large_increase_threshold,
            },
            "actions_per_day": daily,
            "increases_per_week": weekly,
            "large_increases": large,
        }

    async def events(
        self, session: AsyncSession, principal: Principal, where: EventFilter, limit: int, offset: int
    ) -> list[SecurityEvent]:
        """Security events of every company, newest first, narrowed by ``where`` (staff only)."""
        _require_staff(principal)
        return await repo.list_events(session, where, limit, offset)

    async def key_rejections(
        self, session: AsyncSession, principal: Principal, hours: int, company_id: uuid.UUID | None
    ) -> list[dict[str, Any]]:
        """Calls refused with 429 per company, API key, kind and limit in the last ``hours`` (staff only)."""
        _require_staff(principal)
        return await repo.key_rejections(session, hours, company_id, MAX_ROWS)


def _require_staff(principal: Principal) -> None:
    if not principal.in_platform_context:
        raise StaffOnly()
