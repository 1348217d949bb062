"""Provider configuration and the registry built from it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from aipair.config.providers import GatewayProvidersConfig, ModelTarget, ProviderConfig
from aipair.gateway.errors import ModelNotFound
from aipair.gateway.providers.anthropic import AnthropicProvider
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.local import LocalProvider
from aipair.gateway.providers.openai_compat import OpenAICompatProvider
from aipair.gateway.providers.registry import ProviderRegistry, Target


def test_default_config_without_keys_serves_only_local(upstream_client: UpstreamClient) -> None:
    registry = ProviderRegistry.from_config(GatewayProvidersConfig(), client=upstream_client)

    assert registry.provider_names() == ["local"]
    assert registry.model_names() == ["local"]
    assert isinstance(registry.entry("local").provider, LocalProvider)
    with pytest.raises(ModelNotFound):
        registry.resolve("gpt-4o-mini")


def test_configured_keys_enable_the_default_openai_and_anthropic_aliases(
    upstream_client: UpstreamClient,
) -> None:
    config = GatewayProvidersConfig()
    config.providers["openai"].api_key = SecretStr("sk-a")
    config.providers["anthropic"].api_key = SecretStr("sk-b")

    registry = ProviderRegistry.from_config(config, client=upstream_client)

    assert {"gpt-4o-mini", "gpt-4.1", "text-embedding-3-small", "claude-sonnet-4", "local"} <= set(
        registry.model_names()
    )
    assert registry.resolve("gpt-4o-mini") == (Target("openai", "gpt-4o-mini"),)
    assert registry.resolve("claude-sonnet-4") == (Target("anthropic", "claude-sonnet-4-20250514"),)
    assert isinstance(registry.entry("openai").provider, OpenAICompatProvider)
    assert isinstance(registry.entry("anthropic").provider, AnthropicProvider)


def test_fallback_to_an_unbuilt_provider_is_dropped_from_the_alias(upstream_client: UpstreamClient) -> None:
    config = GatewayProvidersConfig(
        providers={
            "ollama": ProviderConfig(
                kind="openai_compat", base_url="http://127.0.0.1:11434/v1", requires_api_key=False
            ),
            "openai": ProviderConfig(kind="openai_compat", base_url="https://api.openai.com/v1"),
        },
        aliases={
            "chat": [
                ModelTarget(provider="openai", model="gpt-4o-mini"),
                ModelTarget(provider="ollama", model="llama3"),
            ]
        },
    )

    registry = ProviderRegistry.from_config(config, client=upstream_client)

    assert registry.resolve("chat") == (Target("ollama", "llama3"),)
    assert registry.resolve("local") == (Target("local", "local-extractive"),)


def test_alias_naming_an_unknown_provider_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="unknown providers: nowhere"):
        GatewayProvidersConfig(aliases={"x": [ModelTarget(provider="nowhere", model="m")]})


def test_openai_compat_provider_needs_a_base_url() -> None:
    with pytest.raises(ValidationError, match="base_url"):
        ProviderConfig(kind="openai_compat")


def test_api_key_is_a_secret_in_config_dumps() -> None:
    config = ProviderConfig(kind="anthropic", api_key=SecretStr("sk-ant-very-secret"))

    assert "sk-ant-very-secret" not in repr(config)
    assert "sk-ant-very-secret" not in config.model_dump_json()


def test_config_loads_from_plain_json_like_settings_would() -> None:
    config = GatewayProvidersConfig.model_validate(
        {
            "providers": {
                "vllm": {"kind": "openai_compat", "base_url": "http://gpu:8000/v1", "api_key": "t"}
            },
            "aliases": {"fast": [{"provider": "vllm", "model": "qwen"}]},
            "retry": {"base_delay_s": 0.1},
            "breaker": {"failure_threshold": 2, "cooldown_s": 5},
        }
    )

    assert config.providers["vllm"].api_key is not None
    assert set(config.aliases) == {"fast", "local"}
    assert config.breaker.failure_threshold == 2


def test_key_shortcuts_fill_in_the_default_providers(upstream_client: UpstreamClient) -> None:
    config = GatewayProvidersConfig.model_validate(
        {"openai_api_key": "sk-env", "anthropic_api_key": "sk-ant-env"}
    )

    registry = ProviderRegistry.from_config(config, client=upstream_client)

    assert registry.provider_names() == ["anthropic", "local", "openai"]
    assert "sk-env" not in repr(config)
