"""Delivering one webhook, attempt by attempt (what the ``webhooks.deliver`` job runs).

Each attempt checks the target again (scheme, then every address its host resolves to now), signs the
body with the company's secrets and posts it to the checked address. A 2xx delivers; no answer, a 5xx,
408 or 429 is retried by the job queue with backoff; anything else (a refused address, a redirect, a
4xx) fails at once, since trying again would change nothing. Every attempt is logged with its status
code and outcome, never the response body.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx
import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.auth.principal import queued_by
from aipair.config import WebhookSettings
from aipair.db.engine import DbContext, transaction
from aipair.kit.clock import utcnow
from aipair.kit.sealing import SecretBox
from aipair.webhooks import repository as repo
from aipair.webhooks.addresses import AddressPolicy
from aipair.webhooks.errors import DeliveryWillBeRetried
from aipair.webhooks.models import WebhookDelivery
from aipair.webhooks.secrets import signing_secrets
from aipair.webhooks.sender import Outcome, Resolver, TargetRefused, check_target, post, system_resolver
from aipair.webhooks.signing import signature_header

log = structlog.get_logger("aipair.webhooks")


@dataclass(frozen=True)
class TargetRules:
    """What a webhook may reach: plain http only when allowed, addresses by the policy."""

    allow_http: bool
    policy: AddressPolicy
    resolver: Resolver = system_resolver

    @classmethod
    def of(cls, settings: WebhookSettings, env: str, resolver: Resolver = system_resolver) -> TargetRules:
        """The rules the settings give (plain http is allowed by default in development and tests)."""
        allow_http = settings.allow_http if settings.allow_http is not None else env != "production"
        return cls(allow_http, AddressPolicy(tuple(settings.allowed_networks)), resolver)

    async def check(self, url: str) -> None:
        """Raise :class:`TargetRefused` unless ``url`` may be called now."""
        await check_target(url, self.policy, self.allow_http, self.resolver)


class WebhookDeliverer:
    """Runs the attempts of queued deliveries."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        client: httpx.AsyncClient,
        rules: TargetRules,
    ):
        self._sessions = sessions
        self._box = box
        self._client = client
        self._rules = rules

    async def attempt(self, company_id: uuid.UUID, delivery_id: uuid.UUID, last: bool) -> None:
        """Make one attempt of a pending delivery (a finished one is left alone: jobs may run twice).

        Raises :class:`DeliveryWillBeRetried` when the attempt may succeed later and attempts remain.
        """
        company = queued_by(company_id)
        async with transaction(self._sessions, DbContext(company_id=company)) as session:
            delivery = await repo.get_delivery(session, company, delivery_id)
            if delivery is None or delivery.status != "pending":
                return
            secrets = await signing_secrets(session, self._box, company)
        outcome = await self._send(delivery, secrets)
        retry = outcome.retryable and not last
        final = "delivered" if outcome.delivered else (None if retry else "failed")
        async with transaction(self._sessions, DbContext(company_id=company)) as session:
            locked = await repo.get_delivery(session, company, delivery_id, lock=True)
            if locked is None or locked.status != "pending":
                return
            await repo.record_attempt(
                session, locked, outcome.status_code, outcome.outcome, outcome.duration_ms, final
            )
        if retry:
            raise DeliveryWillBeRetried(f"attempt ended with {outcome.outcome} {outcome.status_code or ''}")

    async def _send(self, delivery: WebhookDelivery, secrets: list[str]) -> Outcome:
        try:
            target = await check_target(
                delivery.url, self._rules.policy, self._rules.allow_http, self._rules.resolver
            )
        except TargetRefused as refused:
            log.warning(
                "webhook_refused", delivery_id=str(delivery.id), reason=refused.code, why=refused.detail
            )
            return Outcome(None, refused.code, 0)
        body = orjson.dumps(delivery.payload)
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(secrets, delivery.message_id, timestamp, body),
        }
        outcome = await post(self._client, target, headers, body)
        log.info(
            "webhook_attempt",
            delivery_id=str(delivery.id),
            address=str(target.address),
            status=outcome.status_code,
            outcome=outcome.outcome,
        )
        return outcome

    async def aclose(self) -> None:
        """Close the HTTP client deliveries go through."""
        await self._client.aclose()

    async def give_up(self, company_id: uuid.UUID, delivery_id: uuid.UUID) -> None:
        """The job failed for good or was cancelled: a delivery still pending shows ``failed``."""
        company = queued_by(company_id)
        async with transaction(self._sessions, DbContext(company_id=company)) as session:
            await repo.give_up(session, company, delivery_id)


def event_timestamp() -> str:
    """Now, as the payload's ``timestamp`` (ISO 8601, UTC)."""
    return utcnow().isoformat().replace("+00:00", "Z")
