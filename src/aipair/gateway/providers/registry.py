"""Builds providers from :class:`~aipair.config.providers.GatewayProvidersConfig` and resolves aliases.

Built once in the application lifespan around one shared :class:`UpstreamClient` (see
:func:`build_upstream_client`); lookups on the request path are plain dict reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aipair.config.providers import GatewayProvidersConfig, ProviderConfig
from aipair.gateway.errors import ModelNotFound
from aipair.gateway.providers.anthropic import AnthropicProvider
from aipair.gateway.providers.base import Provider
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.local import LocalProvider
from aipair.gateway.providers.openai_compat import OpenAICompatProvider

__all__ = [
    "ProviderEntry",
    "ProviderRegistry",
    "Target",
    "build_provider",
    "build_upstream_client",
    "configured_aliases",
]


@dataclass(frozen=True, slots=True)
class Target:
    """One step of an alias: the provider name and the upstream model to ask it for."""

    provider: str
    model: str


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """A built provider with its per-attempt timeout (seconds) and extra attempts."""

    provider: Provider
    timeout_s: float
    max_retries: int


def build_upstream_client(*, max_connections: int = 256, connect_timeout_s: float = 5.0) -> UpstreamClient:
    """The one pooled client every HTTP provider shares (close it in the lifespan's shutdown).

    ``max_connections`` caps the connections open to each provider origin at once.
    """
    return UpstreamClient(max_connections=max_connections, connect_timeout_s=connect_timeout_s)


def build_provider(
    name: str, config: ProviderConfig, *, client: UpstreamClient, clock: Callable[[], float] = time.time
) -> Provider:
    """The adapter for one configured provider."""
    key = config.api_key.get_secret_value() if config.api_key is not None else None
    if config.kind == "local":
        return LocalProvider(name, embedding_dims=config.embedding_dims, clock=clock)
    if config.kind == "anthropic":
        return AnthropicProvider(
            name,
            client=client,
            api_key=key,
            base_url=config.base_url or "https://api.anthropic.com",
            api_version=config.api_version or "2023-06-01",
            extra_headers=config.headers,
            default_max_tokens=config.default_max_tokens,
            clock=clock,
        )
    return OpenAICompatProvider(
        name,
        client=client,
        base_url=config.base_url or "",
        api_key=key,
        extra_headers=config.headers,
        api_version=config.api_version,
        azure=config.azure,
    )


def configured_aliases(config: GatewayProvidersConfig) -> dict[str, tuple[Target, ...]]:
    """Every alias of ``config`` with all its targets, usable or not (no key configured)."""
    return {
        name: tuple(Target(t.provider, t.model) for t in targets) for name, targets in config.aliases.items()
    }


class ProviderRegistry:
    """Providers by name and public model aliases → ordered targets.

    Targets naming a provider that is not built (e.g. no key configured) are dropped; an alias left
    without targets is not offered at all (so it answers 404 ``model_not_found``, not a 5xx).
    """

    def __init__(self, entries: Mapping[str, ProviderEntry], aliases: Mapping[str, Sequence[Target]]) -> None:
        self._entries = dict(entries)
        resolved = {
            name: tuple(t for t in targets if t.provider in self._entries)
            for name, targets in aliases.items()
        }
        self._aliases = {name: targets for name, targets in resolved.items() if targets}

    @classmethod
    def from_config(
        cls,
        config: GatewayProvidersConfig,
        *,
        client: UpstreamClient,
        clock: Callable[[], float] = time.time,
    ) -> ProviderRegistry:
        """Build every usable provider of ``config`` around the shared ``client``."""
        entries = {
            name: ProviderEntry(
                build_provider(name, cfg, client=client, clock=clock), cfg.timeout, cfg.max_retries
            )
            for name, cfg in config.providers.items()
            if cfg.usable
        }
        return cls(entries, configured_aliases(config))

    def derive(
        self, entries: Mapping[str, ProviderEntry], aliases: Mapping[str, Sequence[Target]]
    ) -> ProviderRegistry:
        """A registry with this one's providers (``entries`` adding to or replacing them) and ``aliases``."""
        return ProviderRegistry({**self._entries, **entries}, aliases)

    def resolve(self, public_model: str) -> tuple[Target, ...]:
        """The ordered targets of ``public_model``; raises :class:`ModelNotFound` (404) when unknown."""
        targets = self._aliases.get(public_model)
        if targets is None:
            raise ModelNotFound(f"The model '{public_model}' does not exist", param="model")
        return targets

    def entry(self, provider: str) -> ProviderEntry:
        """The built provider called ``provider`` (a ``KeyError`` means a programming error)."""
        return self._entries[provider]

    def model_names(self) -> list[str]:
        """Every public model that can be served, sorted (for ``GET /v1/models``)."""
        return sorted(self._aliases)

    def provider_names(self) -> list[str]:
        """Every built provider, sorted."""
        return sorted(self._entries)
