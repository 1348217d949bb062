"""Changing a company's budget settings: the amounts and thresholds, and a webhook URL that is checked
before it is stored and gets a signing secret the first time one is set."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import Principal
from aipair.tenancy.schemas import BudgetUpdate
from aipair.tenancy.service import TenancyService
from aipair.webhooks.service import WebhookService


class BudgetSettings:
    """Apply budget changes (ADMIN or OWNER), webhook URL included."""

    def __init__(self, tenancy: TenancyService, webhooks: WebhookService):
        self._tenancy = tenancy
        self._webhooks = webhooks

    async def update(self, session: AsyncSession, actor: Principal, data: BudgetUpdate) -> str | None:
        """Apply ``data``; a webhook URL must be one deliveries may reach now (422
        ``webhook_target_refused`` otherwise). Returns the signing secret made by this change (the
        company's first webhook), to be shown once, else None. Audited as ``tenancy.budget.update``."""
        if data.webhook_url:
            await self._webhooks.check_url(data.webhook_url)
        await self._tenancy.update_budget(session, actor, data)
        if data.webhook_url:
            return await self._webhooks.first_secret(session, actor)
        return None
