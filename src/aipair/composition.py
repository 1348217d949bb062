"""The composition root: the one place that builds the process's engines, clients and services and wires
them together. Entry points (the ASGI application's lifespan, the worker, the command line) call
:func:`start_runtime`; no domain module imports this one.

Endpoints, middleware and jobs never receive the :class:`Runtime`: they receive the services they name,
by type, from :attr:`Runtime.services` (see ``kit/injection.py``).
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

import asyncpg
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aipair.audit.service import AuditService
from aipair.auth.api_keys import ApiKeyService
from aipair.auth.dependencies import StaffAccess
from aipair.auth.key_cache import ApiKeyResolver
from aipair.auth.password_service import PasswordService
from aipair.auth.passwords import Passwords
from aipair.auth.service import AuthService
from aipair.auth.tokens import AccessTokens
from aipair.config import Settings, SmtpSettings
from aipair.config.production import refuse_unsafe_production
from aipair.db.database import Database, open_database
from aipair.db.engine import session_factory
from aipair.db.urls import DatabaseUrls
from aipair.gateway.admission import Admissions
from aipair.gateway.company_routes import CompanyRoutes, Lane, LaneBuilder
from aipair.gateway.idempotency import IdempotencyKeys
from aipair.gateway.outcomes import call_outcome
from aipair.gateway.price_catalog import PriceCatalog
from aipair.gateway.pricing import WILDCARD_MODEL
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.registry import ProviderRegistry, build_upstream_client
from aipair.gateway.ratelimit import RateLimiter
from aipair.gateway.ratelimit_fallback import build_limiter
from aipair.gateway.routing import Router
from aipair.gateway.service import GatewayService
from aipair.gateway.settings_service import CompanyAiSettingsService
from aipair.health.service import HealthService
from aipair.kit.injection import ServiceRegistry
from aipair.kit.local_secrets import local_secret
from aipair.kit.mail import Mailer, SmtpServer
from aipair.kit.sealing import SecretBox, decode_key, derive_key
from aipair.meetings.pipeline import MeetingPipeline
from aipair.meetings.service import MeetingService
from aipair.meetings.wiring import build_meetings
from aipair.observability.ai_metrics import AiMetrics, ProviderCalls, provider_calls
from aipair.ops.backups.records import BackupRecords
from aipair.ops.incidents.service import IncidentService
from aipair.ops.maintenance.service import MaintenanceService
from aipair.security.monitor import KeySignalMonitor
from aipair.security.service import SecurityService
from aipair.security.signals import KeySignals
from aipair.support.actions import SupportActionsLog
from aipair.support.service import SupportService
from aipair.tenancy.members import MemberService
from aipair.tenancy.overrides import OverrideService
from aipair.tenancy.platform import PlatformService
from aipair.tenancy.policy_cache import CompanyPolicyCache
from aipair.tenancy.service import TenancyService
from aipair.usage.budget import BudgetSettings
from aipair.usage.service import UsageService
from aipair.web.sessions import ConsoleSessions
from aipair.webhooks.delivery import TargetRules, WebhookDeliverer
from aipair.webhooks.sender import webhook_client
from aipair.webhooks.service import WebhookService
from aipair.worker.service import JobsService


@dataclass
class Runtime:
    """Engines, clients, services and settings shared by every request of the process."""

    settings: Settings
    urls: DatabaseUrls
    database: Database
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pg: asyncpg.Pool
    upstream: UpstreamClient
    prices: PriceCatalog
    limiter: RateLimiter
    passwords: Passwords
    auth: AuthService
    api_keys: ApiKeyService
    tenancy: TenancyService
    members: MemberService
    platform: PlatformService
    policies: CompanyPolicyCache
    usage: UsageService
    gateway: GatewayService
    audit: AuditService
    security: SecurityService
    support: SupportService
    key_signals: KeySignalMonitor
    ai_settings: CompanyAiSettingsService
    support_actions: SupportActionsLog
    health: HealthService
    console: ConsoleSessions
    maintenance: MaintenanceService
    incidents: IncidentService
    backups: BackupRecords
    password_life: PasswordService
    budgets: BudgetSettings
    webhooks: WebhookService
    webhook_deliverer: WebhookDeliverer
    jobs: JobsService = field(default_factory=JobsService)
    meetings: MeetingService = field(init=False)
    meeting_pipeline: MeetingPipeline = field(init=False)
    services: ServiceRegistry = field(init=False)
    """Every field above under its declared type, the settings groups under theirs, and support access
    as :class:`StaffAccess`: what endpoints, middleware and jobs are given."""

    def replacing(self, **changes: object) -> Runtime:
        """A copy with some fields replaced and its services registered again (a test swapping the
        meeting pipeline's model client, say); closing either closes the shared connections."""
        patched = copy.copy(self)
        for name, value in changes.items():
            setattr(patched, name, value)
        patched.register_services()
        return patched

    def register_services(self) -> ServiceRegistry:
        """Fill :attr:`services` (once every field is set)."""
        registry = ServiceRegistry()
        hints = typing.get_type_hints(Runtime)
        for item in fields(self):
            if item.name != "services":
                registry.add(getattr(self, item.name), hints[item.name])
        for name in type(self.settings).model_fields:
            group = getattr(self.settings, name)
            if isinstance(group, BaseModel):
                registry.add(group)
        registry.add(self.support, StaffAccess)
        self.services = registry
        return registry

    async def close(self) -> None:
        """Release every connection and client (after in-flight alert deliveries finish and the
        buffered security signals are written)."""
        await self.key_signals.stop()
        await self.prices.stop()
        await self.usage.drain()
        await self.webhook_deliverer.aclose()
        await self.limiter.close()
        await self.upstream.aclose()
        await self.database.close()


def access_tokens(settings: Settings) -> AccessTokens:
    """The verifier (and issuer) of access tokens."""
    return AccessTokens(jwt_secret(settings), timedelta(minutes=settings.auth.access_token_minutes))


def jwt_secret(settings: Settings) -> str:
    """The token signing secret: from settings, else generated once for the data directory."""
    if settings.auth.jwt_secret is not None:
        return settings.auth.jwt_secret.get_secret_value()
    return local_secret(settings.data_path, "jwt_secret")


def mailer(smtp: SmtpSettings) -> Mailer:
    """What the platform sends e-mail through (nothing when no SMTP host is set)."""
    if smtp.host is None:
        return Mailer(None)
    password = smtp.password.get_secret_value() if smtp.password else None
    server = SmtpServer(
        smtp.host, smtp.port, smtp.sender, smtp.security, smtp.username, password, smtp.timeout_s
    )
    return Mailer(server)


def secret_box(settings: Settings) -> SecretBox:
    """What seals secrets at rest: ``AIPAIR_SECRETS_KEY`` (with ``AIPAIR_SECRETS_PREVIOUS_KEYS`` still
    accepted for opening), else a key generated once for the data directory (like the JWT secret;
    production sets it, so every replica opens what another sealed)."""
    previous = settings.secrets_previous_keys.get_secret_value() if settings.secrets_previous_keys else ""
    ring = [decode_key(k) for k in previous.split(",") if k.strip()]
    if settings.secrets_key is not None:
        return SecretBox(decode_key(settings.secrets_key.get_secret_value()), ring)
    return SecretBox(derive_key(local_secret(settings.data_path, "secrets_key")), ring)


def ai_metrics_for(prices: PriceCatalog, providers: Iterable[str]) -> AiMetrics:
    """AI metrics whose model labels are the models the platform prices."""

    def known(provider: str, model: str) -> bool:
        price = prices.lookup(provider, model, datetime.now(UTC).date())
        return price is not None and price.model != WILDCARD_MODEL

    return AiMetrics(call_outcome, known, providers=providers)


async def start_runtime(
    settings: Settings, urls: DatabaseUrls, spans: ProviderCalls | None = None
) -> Runtime:
    """Connect and wire the process's engines, clients and services (``spans``: tracing of provider
    calls, when on). Refused in production with unsafe settings (:class:`UnsafeProductionSettings`)."""
    refuse_unsafe_production(settings)
    database = await open_database(settings, urls)
    engine, pg = database.engine, database.pool
    sessions = session_factory(engine)
    upstream = build_upstream_client()
    limiter = build_limiter(
        settings.redis_url.get_secret_value() if settings.redis_url else None,
        settings.redis_failure_mode,
        settings.redis_timeout_ms / 1000,
    )
    passwords = Passwords(settings.auth)
    tokens = access_tokens(settings)
    keys = ApiKeyResolver(pg, settings.gateway.cache_ttl_s)
    policies = CompanyPolicyCache(pg, settings.gateway.cache_ttl_s)
    audit = AuditService()
    box = secret_box(settings)
    rules = TargetRules.of(settings.webhooks, settings.env)
    webhooks = WebhookService(sessions, box, rules, settings.webhooks.max_attempts, audit=audit)
    usage = UsageService(pg, webhooks)
    config = settings.gateway.providers
    prices = await PriceCatalog.load(pg, settings.gateway.price_refresh_s)
    prices.start()
    ai_metrics = ai_metrics_for(prices, config.providers) if settings.metrics.enabled else None
    calls = provider_calls(ai_metrics, spans)
    router = Router.from_config(ProviderRegistry.from_config(config, client=upstream), config, calls)
    signals = KeySignals(refresh_s=settings.signals.source_refresh_s)

    def admissions_for(lane_router: Router) -> Admissions:
        return Admissions(lane_router, prices, policies, limiter, usage, signals=signals, metrics=ai_metrics)

    builder = LaneBuilder(Lane(router, admissions_for(router)), config, box, upstream, admissions_for)
    routes = CompanyRoutes(pg, builder, settings.gateway.cache_ttl_s)
    security = SecurityService(sessions, settings.auth, settings.support)
    tenancy = TenancyService(passwords, policies, audit=audit)
    overrides = OverrideService(audit, policies)
    auth = AuthService(sessions, passwords, tokens, settings.auth, audit=audit)
    password_life = PasswordService(sessions, passwords, settings.auth, mailer(settings.smtp), audit=audit)
    runtime = Runtime(
        settings=settings,
        urls=urls,
        database=database,
        engine=engine,
        sessions=sessions,
        pg=pg,
        upstream=upstream,
        prices=prices,
        limiter=limiter,
        passwords=passwords,
        auth=auth,
        api_keys=ApiKeyService(
            timedelta(hours=settings.auth.api_key_rotation_grace_hours), keys, audit=audit
        ),
        tenancy=tenancy,
        members=MemberService(audit, auth, password_life),
        platform=PlatformService(passwords, audit),
        policies=policies,
        usage=usage,
        gateway=GatewayService(routes, keys, usage, IdempotencyKeys(pg)),
        audit=audit,
        security=security,
        support=SupportService(sessions, audit, tenancy, overrides, security, settings.support),
        key_signals=KeySignalMonitor(signals, sessions, settings.signals),
        ai_settings=CompanyAiSettingsService(config, box, routes, audit=audit),
        support_actions=SupportActionsLog(sessions),
        health=HealthService(engine, urls, settings.db_max_overflow, router, limiter, database.watch),
        console=ConsoleSessions(auth, tokens, settings.web, jwt_secret(settings)),
        maintenance=MaintenanceService(audit, settings.maintenance),
        incidents=IncidentService(audit),
        backups=BackupRecords(),
        password_life=password_life,
        budgets=BudgetSettings(tenancy, webhooks),
        webhooks=webhooks,
        webhook_deliverer=WebhookDeliverer(sessions, box, webhook_client(settings.webhooks.timeout_s), rules),
    )
    runtime.meetings, runtime.meeting_pipeline = build_meetings(
        settings.meetings,
        settings.http.max_upload_bytes,
        gateway=runtime.gateway,
        tenancy=tenancy,
        members=runtime.members,
        jobs=runtime.jobs,
        sessions=sessions,
        audit=audit,
    )
    runtime.register_services()
    return runtime
