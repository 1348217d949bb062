"""Fixtures of the gateway tests: a scriptable upstream on loopback, the shared upstream client, fake time,
and a real gateway in front of real mock upstreams."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from bench.mock_upstream import MockUpstream

from aipair.config import Settings
from aipair.db.urls import libpq
from aipair.gateway.providers.anthropic import AnthropicProvider
from aipair.gateway.providers.client import UpstreamClient
from aipair.gateway.providers.openai_compat import OpenAICompatProvider
from aipair.gateway.providers.registry import build_upstream_client
from tests.fixtures.live_gateway import (  # noqa: F401  (fixtures and helpers the gateway tests share)
    MESSAGES,
    LiveGateway,
    gateway_settings,
    healthy_upstreams,
    live_gateway,
    sdk,
    upstreams,
)

from .fakes import ANTHROPIC_KEY, ANTHROPIC_PATH, OPENAI_KEY, OPENAI_PATH, FakeClock, FakeSleep
from .loopback import LoopbackUpstream


@pytest.fixture
async def upstream() -> AsyncIterator[LoopbackUpstream]:
    """A real HTTP server on loopback answering what the test scripts (unscripted routes answer 418)."""
    server = await LoopbackUpstream().start()
    yield server
    await server.stop()


@pytest.fixture
async def upstream_client() -> AsyncIterator[UpstreamClient]:
    """The shared pooled upstream client, as built in the lifespan."""
    client = build_upstream_client()
    yield client
    await client.aclose()


@pytest.fixture
def openai(upstream: LoopbackUpstream, upstream_client: UpstreamClient) -> OpenAICompatProvider:
    """An OpenAI-compatible provider pointed at the loopback upstream."""
    return OpenAICompatProvider(
        "openai", client=upstream_client, base_url=upstream.url + OPENAI_PATH, api_key=OPENAI_KEY
    )


@pytest.fixture
def anthropic(upstream: LoopbackUpstream, upstream_client: UpstreamClient) -> AnthropicProvider:
    """An Anthropic provider pointed at the loopback upstream, with a fixed clock."""
    return AnthropicProvider(
        "anthropic",
        client=upstream_client,
        api_key=ANTHROPIC_KEY,
        base_url=upstream.url + ANTHROPIC_PATH,
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


# --- a real gateway on loopback in front of real mock upstreams -----------------------------------------


@pytest.fixture(scope="module")
def gateway(
    settings: Settings,
    upstreams: tuple[MockUpstream, MockUpstream],  # noqa: F811  (the imported fixture)
) -> Iterator[LiveGateway]:
    with live_gateway(gateway_settings(settings, upstreams)) as live:
        yield live


def usage_rows(
    settings: Settings, company_id: uuid.UUID, *, settled_within_s: float = 5.0
) -> list[dict[str, object]]:
    """The company's usage events, read as the owner, once none is still reserved (a gateway settles a
    call just after sending its answer) or ``settled_within_s`` passed."""
    assert settings.database_url is not None
    deadline = time.monotonic() + settled_within_s
    with psycopg.connect(libpq(settings.database_url.get_secret_value())) as conn:
        conn.row_factory = psycopg.rows.dict_row  # type: ignore[assignment]
        while True:
            rows = list(
                conn.execute(
                    "SELECT * FROM usage_events WHERE company_id = %s ORDER BY created_at", [company_id]
                )
            )
            if time.monotonic() > deadline or all(row["status"] != "reserved" for row in rows):
                return rows
            time.sleep(0.02)
