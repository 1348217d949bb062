"""A company's own routing — its provider keys, alias overrides and allow-list — cached for seconds.

Read on every AI call: while fresh, a dict read. Each company's settings are loaded with one statement
per ``ttl_s`` (callers arriving meanwhile share the load), so a change made in another process applies
within ``ttl_s`` and one made in this process at once (:meth:`CompanyRoutes.forget`). A company without
settings uses the platform's router and admissions unchanged.

A company with settings gets a :class:`Lane` of its own, rebuilt only when its settings change:

- its keys replace the platform's for their providers (same base URL, timeouts and retries), and make
  a provider usable even when the platform has no key for it;
- its aliases replace the platform's of the same name (or add names); its allow-list hides every other
  public model (its own aliases stay usable), so a model outside it answers 404 ``model_not_found``
  before anything is reserved or billed;
- providers called with its keys get circuit breakers of their own (a company's revoked key must not
  open the breaker every company shares); the others share the platform's breakers;
- budget reservations are worked out from its own targets; prices stay the platform's.

A key that does not decrypt (another secrets key, or a sealed value copied from another company or
provider) is not replaced by the platform's: calls to that provider fail with
:class:`~aipair.gateway.errors.CompanyKeyUnreadable` and fall back to the alias's next target.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import asyncpg
import orjson
import structlog
from pydantic import SecretStr

from aipair.auth.principal import CompanyId
from aipair.config.providers import GatewayProvidersConfig
from aipair.gateway import repository as repo
from aipair.gateway.admission import Admissions
from aipair.gateway.providers.base import ChatResult, EmbeddingsResult, JsonObject, TranscriptionResult
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.registry import ProviderEntry, Target, build_provider, configured_aliases
from aipair.gateway.providers.streaming import ChatStream
from aipair.gateway.routing import Router
from aipair.gateway.settings_errors import CompanyKeyUnreadable
from aipair.kit.cache import LoadingCache
from aipair.kit.sealing import SealBroken, SecretBox

__all__ = ["CompanyAiRows", "CompanyRoutes", "Lane", "LaneBuilder", "provider_key_context"]

log = structlog.get_logger("aipair.gateway")


def provider_key_context(company_id: uuid.UUID, provider: str) -> bytes:
    """The associated data sealing a company's key for a provider: it opens for that pair only."""
    return f"aipair/company-provider-key/{company_id}/{provider}".encode()


@dataclass(frozen=True, slots=True)
class Lane:
    """How one company's AI calls are admitted (reservation at its targets' prices) and routed."""

    router: Router
    admissions: Admissions


@dataclass(frozen=True, slots=True)
class CompanyAiRows:
    """A company's settings as stored: sealed keys, aliases' targets (JSON), allow-list (JSON)."""

    keys: tuple[tuple[str, bytes], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    allowed: str | None = None

    @property
    def empty(self) -> bool:
        """No settings at all: the platform's lane applies."""
        return not self.keys and not self.aliases and self.allowed is None

    @classmethod
    def from_records(cls, records: list[asyncpg.Record]) -> CompanyAiRows:
        """Rows of :data:`SETTINGS_QUERY`, in its order."""
        keys = tuple((r["name"], bytes(r["sealed"])) for r in records if r["kind"] == "key")
        aliases = tuple((r["name"], r["value"]) for r in records if r["kind"] == "alias")
        allowed = next((r["value"] for r in records if r["kind"] == "access"), None)
        return cls(keys, aliases, allowed)


class UnreadableKeyProvider:
    """Stands in for a provider whose company key does not decrypt: every call fails, saying so."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _error(self) -> CompanyKeyUnreadable:
        return CompanyKeyUnreadable(
            f"The company's API key for provider '{self.name}' cannot be decrypted; an owner or admin"
            " must set it again",
            provider=self.name,
        )

    async def chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatResult:
        raise self._error()

    async def stream_chat(self, body: JsonObject, *, model: str, timeout_s: float) -> ChatStream:
        raise self._error()

    async def embeddings(self, body: JsonObject, *, model: str, timeout_s: float) -> EmbeddingsResult:
        raise self._error()

    async def transcribe(
        self, file: bytes, filename: str, params: Mapping[str, str], *, model: str, timeout_s: float
    ) -> TranscriptionResult:
        raise self._error()


class LaneBuilder:
    """Builds a company's :class:`Lane` from its stored settings, on top of the platform's."""

    def __init__(
        self,
        platform: Lane,
        config: GatewayProvidersConfig,
        box: SecretBox,
        client: UpstreamClient,
        admissions: Callable[[Router], Admissions],
    ) -> None:
        self.platform = platform
        self._config = config
        self._configured = configured_aliases(config)
        self._box = box
        self._client = client
        self._admissions = admissions

    def build(self, company_id: uuid.UUID, rows: CompanyAiRows) -> Lane:
        """The platform's lane when ``rows`` is empty, else one of the company's own."""
        if rows.empty:
            return self.platform
        entries = {
            provider: self._keyed_entry(company_id, provider, sealed)
            for provider, sealed in rows.keys
            if provider in self._config.providers
        }
        aliases = self._aliases(rows)
        registry = self.platform.router.registry.derive(entries, aliases)
        router = self.platform.router.derive(registry, own_breakers=entries.keys())
        return Lane(router, self._admissions(router))

    def _aliases(self, rows: CompanyAiRows) -> dict[str, tuple[Target, ...]]:
        allowed = None if rows.allowed is None else frozenset(orjson.loads(rows.allowed))
        aliases = {
            name: targets for name, targets in self._configured.items() if allowed is None or name in allowed
        }
        for alias, targets in rows.aliases:
            aliases[alias] = tuple(Target(t["provider"], t["model"]) for t in orjson.loads(targets))
        return aliases

    def _keyed_entry(self, company_id: uuid.UUID, provider: str, sealed: bytes) -> ProviderEntry:
        config = self._config.providers[provider]
        try:
            key = self._box.open(sealed, provider_key_context(company_id, provider))
        except SealBroken:
            log.warning("company_key_unreadable", company_id=str(company_id), provider=provider)
            return ProviderEntry(UnreadableKeyProvider(provider), config.timeout, 0)
        keyed = config.model_copy(update={"api_key": SecretStr(key)})
        return ProviderEntry(
            build_provider(provider, keyed, client=self._client), config.timeout, keyed.max_retries
        )


class CompanyRoutes:
    """Each company's :class:`Lane`: its settings are read again every ``ttl_s``, and the lane (with its
    breakers) is rebuilt only when they changed."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        builder: LaneBuilder,
        ttl_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._pool = pool
        self._builder = builder
        self._rows: LoadingCache[uuid.UUID, CompanyAiRows] = LoadingCache(self._load, ttl_s, clock=clock)
        self._lanes: dict[uuid.UUID, tuple[CompanyAiRows, Lane]] = {}

    @property
    def platform(self) -> Lane:
        """The lane of every company without settings of its own."""
        return self._builder.platform

    async def lane(self, company_id: CompanyId) -> Lane:
        """The company's lane (two dict reads while its settings are cached)."""
        rows = await self._rows.get(company_id)
        built = self._lanes.get(company_id)
        if built is None or built[0] != rows:
            if len(self._lanes) > 50_000:
                self._lanes.clear()
            built = self._lanes[company_id] = (rows, self._builder.build(company_id, rows))
        return built[1]

    def forget(self, company_id: uuid.UUID) -> None:
        """Load the company's settings again on its next call (after a change in this process)."""
        self._rows.forget(company_id)

    async def _load(self, company_id: uuid.UUID) -> CompanyAiRows:
        return CompanyAiRows.from_records(await repo.company_ai_rows(self._pool, company_id))
