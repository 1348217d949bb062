"""Typed configuration of the gateway's providers, model aliases, retries and circuit breakers.

Plain pydantic ``BaseModel`` groups meant to be nested in the application ``Settings``. The defaults
give OpenAI and Anthropic entries (used only once a key is configured) and the offline ``local``
provider; the ``local`` alias and provider are always present, whatever the configuration says.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = [
    "DEFAULT_ALIASES",
    "CircuitBreakerConfig",
    "GatewayProvidersConfig",
    "ModelTarget",
    "ProviderConfig",
    "ProviderKind",
    "RetryConfig",
    "default_aliases",
    "default_providers",
]

ProviderKind = Literal["openai_compat", "anthropic", "local"]
LOCAL_PROVIDER = "local"
LOCAL_ALIAS = "local"
LOCAL_MODEL = "local-extractive"


class ProviderConfig(BaseModel):
    """One upstream provider.

    ``base_url`` is required for ``openai_compat`` (include the version path, e.g.
    ``https://api.openai.com/v1``). A provider whose ``requires_api_key`` is true and which has no
    ``api_key`` is left out of the registry (set it false for keyless Ollama or vLLM servers).
    ``timeout`` is per attempt in seconds; ``max_retries`` counts extra attempts on the same provider.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    kind: ProviderKind
    """Protocol: `openai_compat` (OpenAI, Azure OpenAI, Ollama, vLLM…), `anthropic`, or the offline
    `local`."""
    base_url: str | None = None
    """Base URL, version path included (`https://api.openai.com/v1`); required for `openai_compat`."""
    api_key: SecretStr | None = None
    """The platform's key for this provider."""
    requires_api_key: bool = True
    """Leave the provider out while it has no key (false for keyless local servers)."""
    timeout: float = Field(default=60.0, gt=0, le=600)
    """Timeout of one attempt, in seconds."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Extra attempts on this provider before the alias's next target."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers added to every call."""
    api_version: str | None = None
    """API version (Azure's `api-version`, Anthropic's `anthropic-version`)."""
    azure: bool = False
    """Azure OpenAI: `api-key` header and deployment URLs."""
    default_max_tokens: int = Field(default=4096, ge=1)
    """`max_tokens` sent when a request names none (Anthropic requires one)."""
    embedding_dims: int = Field(default=256, ge=1, le=4096)
    """Dimensions of the `local` provider's embeddings."""

    @model_validator(mode="after")
    def _check_base_url(self) -> ProviderConfig:
        if self.kind == "openai_compat" and not self.base_url:
            raise ValueError("openai_compat providers need a base_url")
        return self

    @property
    def usable(self) -> bool:
        """Whether the registry should build this provider (local always; others need their key)."""
        if self.kind == "local" or not self.requires_api_key:
            return True
        return self.api_key is not None and bool(self.api_key.get_secret_value())


class ModelTarget(BaseModel):
    """One step of an alias: send to ``provider`` as upstream ``model``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    provider: str
    """A configured provider's name."""
    model: str
    """The upstream model id."""


class RetryConfig(BaseModel):
    """Backoff between attempts on one provider: full jitter over ``base_delay_s * 2**attempt``, capped.

    An upstream ``Retry-After`` up to ``max_retry_after_s`` is honoured; a longer one moves on to the
    next target at once.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    base_delay_s: float = Field(default=0.2, ge=0)
    """First backoff between attempts, in seconds (doubled per attempt, with full jitter)."""
    max_delay_s: float = Field(default=2.0, ge=0)
    """Longest backoff between attempts, in seconds."""
    max_retry_after_s: float = Field(default=5.0, ge=0)
    """An upstream `Retry-After` up to this is waited out; a longer one moves to the next target."""


class CircuitBreakerConfig(BaseModel):
    """Circuit breaker policy, of each company's routes and of each provider.

    A breaker opens after ``failure_threshold`` consecutive failures and lets one probe through after
    ``cooldown_s``. A provider's shared breaker opens only when those failures came from at least
    ``provider_min_companies`` companies (one company's failing requests open its own route only).
    ``window`` is how many recent calls the health report's success rate covers.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    failure_threshold: int = Field(default=5, ge=1)
    """Consecutive failures that open a breaker."""
    provider_min_companies: int = Field(default=2, ge=1)
    """Companies whose calls must have failed before a provider's shared breaker opens."""
    cooldown_s: float = Field(default=30.0, gt=0)
    """How long an open breaker waits before letting one probe through, in seconds."""
    window: int = Field(default=100, ge=1, le=10_000)
    """Recent calls the health report's success rate covers."""


def _same(provider: str, *models: str) -> dict[str, list[ModelTarget]]:
    return {model: [ModelTarget(provider=provider, model=model)] for model in models}


def default_providers() -> dict[str, ProviderConfig]:
    """OpenAI and Anthropic (inactive until a key is set) and the offline ``local`` provider."""
    return {
        "openai": ProviderConfig(kind="openai_compat", base_url="https://api.openai.com/v1"),
        "anthropic": ProviderConfig(kind="anthropic", base_url="https://api.anthropic.com"),
        LOCAL_PROVIDER: ProviderConfig(kind="local", timeout=30.0, max_retries=0),
    }


DEFAULT_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "claude-sonnet-4-5": (("anthropic", "claude-sonnet-4-5-20250929"),),
    "claude-sonnet-4": (("anthropic", "claude-sonnet-4-20250514"),),
    "claude-opus-4-1": (("anthropic", "claude-opus-4-1-20250805"),),
    "claude-haiku-4-5": (("anthropic", "claude-haiku-4-5-20251001"),),
    "claude-3-5-haiku": (("anthropic", "claude-3-5-haiku-20241022"),),
    LOCAL_ALIAS: ((LOCAL_PROVIDER, LOCAL_MODEL),),
}
"""Aliases whose upstream id differs from the public name (the OpenAI ones map to themselves)."""

_OPENAI_MODELS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o3-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "whisper-1",
)


def default_aliases() -> dict[str, list[ModelTarget]]:
    """Public model names → ordered targets: the common OpenAI and Anthropic models, and ``local``."""
    aliases = _same("openai", *_OPENAI_MODELS)
    for name, targets in DEFAULT_ALIASES.items():
        aliases[name] = [ModelTarget(provider=p, model=m) for p, m in targets]
    return aliases


class GatewayProvidersConfig(BaseModel):
    """Everything the provider layer needs: providers by name, aliases, retry and breaker policy.

    ``openai_api_key``/``anthropic_api_key`` are shortcuts (one environment variable each) filling in the
    key of the ``openai``/``anthropic`` providers when those have none. Validation checks that every
    alias target names a configured provider, and adds the ``local`` provider and alias when missing.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    openai_api_key: SecretStr | None = None
    """Shortcut: the platform's key of the `openai` provider."""
    anthropic_api_key: SecretStr | None = None
    """Shortcut: the platform's key of the `anthropic` provider."""
    providers: dict[str, ProviderConfig] = Field(default_factory=default_providers)
    """Providers by name (JSON object of `ProviderConfig`, below); defaults: `openai`, `anthropic` (inactive
    until a key is set) and `local`."""
    aliases: dict[str, list[ModelTarget]] = Field(default_factory=default_aliases)
    """Public model names → ordered targets (JSON object of lists of `ModelTarget`, below); defaults: the
    common OpenAI and Anthropic models and `local`."""
    retry: RetryConfig = Field(default_factory=RetryConfig)
    breaker: CircuitBreakerConfig = Field(default_factory=CircuitBreakerConfig)

    @model_validator(mode="after")
    def _ensure_local_and_check_targets(self) -> GatewayProvidersConfig:
        for name, key in (("openai", self.openai_api_key), ("anthropic", self.anthropic_api_key)):
            provider = self.providers.get(name)
            if key is not None and provider is not None and provider.api_key is None:
                provider.api_key = key
        self.providers.setdefault(LOCAL_PROVIDER, ProviderConfig(kind="local", timeout=30.0, max_retries=0))
        self.aliases.setdefault(LOCAL_ALIAS, [ModelTarget(provider=LOCAL_PROVIDER, model=LOCAL_MODEL)])
        for alias, targets in self.aliases.items():
            if not targets:
                raise ValueError(f"alias {alias!r} has no targets")
            unknown = sorted({t.provider for t in targets} - self.providers.keys())
            if unknown:
                raise ValueError(f"alias {alias!r} names unknown providers: {', '.join(unknown)}")
        return self
