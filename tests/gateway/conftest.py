"""Fixtures of the gateway provider-layer tests: HTTP-level fake upstreams (respx), a fake clock and sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from aipair.gateway.providers.anthropic import AnthropicProvider
from aipair.gateway.providers.openai_compat import OpenAICompatProvider

from .fakes import ANTHROPIC_KEY, ANTHROPIC_URL, OPENAI_KEY, OPENAI_URL, FakeClock, FakeSleep


@pytest.fixture
def upstream() -> Iterator[respx.MockRouter]:
    """Every HTTP request of the test goes to respx routes; unmatched ones fail the test."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    """The shared pooled client, as built in the lifespan."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def openai(http_client: httpx.AsyncClient) -> OpenAICompatProvider:
    """An OpenAI-compatible provider pointed at the fake upstream."""
    return OpenAICompatProvider("openai", client=http_client, base_url=OPENAI_URL, api_key=OPENAI_KEY)


@pytest.fixture
def anthropic(http_client: httpx.AsyncClient) -> AnthropicProvider:
    """An Anthropic provider pointed at the fake upstream, with a fixed clock."""
    return AnthropicProvider(
        "anthropic",
        client=http_client,
        api_key=ANTHROPIC_KEY,
        base_url=ANTHROPIC_URL,
        clock=lambda: 1700000000.0,
    )


@pytest.fixture
def clock() -> FakeClock:
    """The router's fake monotonic clock."""
    return FakeClock()


@pytest.fixture
def sleep(clock: FakeClock) -> FakeSleep:
    """The router's fake sleep, advancing ``clock``."""
    return FakeSleep(clock)
