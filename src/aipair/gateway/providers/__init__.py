"""The gateway's upstream providers: one protocol, three adapters, a registry built from config.

Public surface: :class:`Provider` and its result types, :class:`ChatStream` with its
:class:`StreamAccumulator`, the adapters, and :class:`ProviderRegistry`. Provider HTTP is spoken here
and only here.
"""

from aipair.gateway.providers.anthropic import AnthropicProvider
from aipair.gateway.providers.base import (
    ChatResult,
    EmbeddingsResult,
    JsonObject,
    Provider,
    TranscriptionResult,
    Usage,
)
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.local import LocalProvider
from aipair.gateway.providers.openai_compat import OpenAICompatProvider
from aipair.gateway.providers.registry import (
    ProviderEntry,
    ProviderRegistry,
    Target,
    build_provider,
    build_upstream_client,
)
from aipair.gateway.providers.streaming import ChatStream, StreamAccumulator

__all__ = [
    "AnthropicProvider",
    "ChatResult",
    "ChatStream",
    "EmbeddingsResult",
    "JsonObject",
    "LocalProvider",
    "OpenAICompatProvider",
    "Provider",
    "ProviderEntry",
    "ProviderRegistry",
    "StreamAccumulator",
    "Target",
    "TranscriptionResult",
    "UpstreamClient",
    "Usage",
    "build_provider",
    "build_upstream_client",
]
