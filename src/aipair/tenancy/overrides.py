"""Limit overrides: temporary values that win over the company's own limits until they expire.

Limits resolve as unexpired override → company custom value → plan value (``company_limits``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.principal import Principal
from aipair.tenancy import repository as repo
from aipair.tenancy.errors import CompanyNotFound, LimitUnbounded, OverrideTooLarge
from aipair.tenancy.models import LimitName, LimitOverride
from aipair.tenancy.policy_cache import CompanyPolicyCache


class OverrideService:
    """Add temporary limit overrides."""

    def __init__(self, audit: AuditService, policies: CompanyPolicyCache | None = None):
        self._audit = audit
        self._policies = policies

    async def add_temporary_increase(
        self,
        session: AsyncSession,
        actor: Principal,
        limit: LimitName,
        extra: int,
        reason: str,
        expires_at: datetime,
        max_above_base: int,
    ) -> tuple[LimitOverride, int]:
        """Raise one limit of the actor's company by ``extra`` until ``expires_at``; returns the override
        and the value it replaces.

        The override's value is the current effective limit plus ``extra``; stacked overrides may lift
        the limit at most ``max_above_base`` above the company's own (custom or plan) value. The
        caller checks who may do this. Audited as ``tenancy.limit_override.create``.
        """
        company = await repo.get_company(session, actor.company_id)
        limits = await repo.effective_limits(session, actor.company_id)
        if company is None or limits is None:
            raise CompanyNotFound()
        base = getattr(company, f"custom_{limit.value}")
        if base is None:
            plan = await repo.get_plan(session, company.plan_code)
            base = getattr(plan, limit.value) if plan else None
        current = limits[limit.value]
        if base is None or current is None:
            raise LimitUnbounded()
        if current + extra - base > max_above_base:
            raise OverrideTooLarge(base=base, current=current, max_above_base=max_above_base)
        override = LimitOverride(
            id=uuid.uuid4(),
            company_id=actor.company_id,
            limit_name=limit.value,
            value=current + extra,
            reason=reason,
            author_user_id=actor.user_id,
            expires_at=expires_at,
        )
        await repo.add(session, override)
        if self._policies is not None:
            self._policies.forget(company.id)
        await self._audit.record(
            session,
            actor,
            "tenancy.limit_override.create",
            "limit_override",
            override.id,
            before={limit.value: current},
            after=snapshot(override),
            reason=reason,
        )
        return override, current
