"""Companies' webhooks: which URLs may be set, the signing secret, queueing events and the delivery log.

An event becomes a delivery row and a ``webhooks.deliver`` job in one transaction, so it is either
queued for delivery or not recorded at all; one event key gives one delivery, however often it is
queued.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.service import AuditService
from aipair.auth.principal import CompanyId, Principal, queued_by
from aipair.db.engine import DbContext, transaction
from aipair.kit.clock import utcnow
from aipair.kit.sealing import SecretBox
from aipair.tenancy.models import Role
from aipair.webhooks import repository as repo
from aipair.webhooks.delivery import TargetRules, event_timestamp
from aipair.webhooks.errors import WebhookTargetRefused
from aipair.webhooks.models import WebhookDelivery
from aipair.webhooks.schemas import AttemptRead, DeliveryRead, SecretCreated
from aipair.webhooks.secrets import has_secret, replace_secret
from aipair.webhooks.sender import TargetRefused
from aipair.webhooks.tasks import deliver
from aipair.worker.jobs import QueueOptions


class WebhookService:
    """Check webhook URLs, keep signing secrets, queue events, show the delivery log."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        rules: TargetRules,
        max_attempts: int,
        *,
        audit: AuditService,
    ):
        self._sessions = sessions
        self._box = box
        self._rules = rules
        self._max_attempts = max_attempts
        self._audit = audit

    async def check_url(self, url: str) -> None:
        """Raise :class:`WebhookTargetRefused` (422) unless ``url`` may be called now: https (plain http
        only in development or when allowed), and a host whose every address is public or allow-listed."""
        try:
            await self._rules.check(url)
        except TargetRefused as refused:
            raise WebhookTargetRefused.because(refused.code) from None

    async def first_secret(self, session: AsyncSession, actor: Principal) -> str | None:
        """A signing secret for a company that has none yet (to be shown once), else None. It comes with
        the company's first webhook URL, whose change is audited (``tenancy.budget.update``)."""
        if await has_secret(session, actor.company_id):
            return None
        return await replace_secret(session, self._box, actor.company_id, None)

    async def rotate_secret(self, session: AsyncSession, actor: Principal, grace_hours: int) -> SecretCreated:
        """A new signing secret (ADMIN or OWNER), shown once; deliveries carry the old one's signature
        too for ``grace_hours``. Audited as ``webhooks.secret.rotate``."""
        actor.require(Role.ADMIN)
        until = utcnow() + timedelta(hours=grace_hours) if grace_hours else None
        secret = await replace_secret(session, self._box, actor.company_id, until)
        after = {"previous_valid_until": until.isoformat() if until else None}
        await self._audit.record(
            session, actor, "webhooks.secret.rotate", "company", actor.company_id, after=after
        )
        return SecretCreated(secret=secret, previous_valid_until=until)

    async def enqueue(
        self, company_id: uuid.UUID, url: str, event_type: str, event_key: str, data: dict[str, Any]
    ) -> bool:
        """Record the event for delivery to ``url`` and queue its job (one transaction); False when the
        company already has a delivery for ``event_key``."""
        company = queued_by(company_id)
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            company_id=company,
            event_type=event_type,
            event_key=event_key,
            message_id=f"msg_{uuid.uuid4().hex}",
            url=url,
            payload={"type": event_type, "timestamp": event_timestamp(), "data": data},
        )
        async with transaction(self._sessions, DbContext(company_id=company)) as session:
            if await repo.add_delivery(session, delivery) is None:
                return False
            options = QueueOptions(max_attempts=self._max_attempts)
            await deliver.configure(options).defer(
                session, company_id=str(company), delivery_id=str(delivery.id)
            )
        return True

    async def deliveries(
        self, session: AsyncSession, actor: Principal, limit: int, offset: int
    ) -> list[DeliveryRead]:
        """The company's deliveries, newest first, each with its attempts (status codes, never bodies);
        ADMIN or OWNER (or a key with the ``admin`` scope)."""
        actor.require(Role.ADMIN)
        company: CompanyId = actor.company_id
        rows = await repo.list_deliveries(session, company, limit, offset)
        attempts: dict[uuid.UUID, list[AttemptRead]] = defaultdict(list)
        for attempt in await repo.attempts_of(session, company, [row.id for row in rows]):
            attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt))
        return [
            DeliveryRead(
                id=row.id,
                message_id=row.message_id,
                event_type=row.event_type,
                url=row.url,
                status=row.status,
                attempts=attempts[row.id],
                created_at=row.created_at,
                finished_at=row.finished_at,
            )
            for row in rows
        ]
