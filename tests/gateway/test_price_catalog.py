"""``model_prices`` is the one source of prices: a new row applies from its date, read by the gateway
from its catalog (no price in code decides what a call costs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import libpq
from tests.fixtures.tenants import Tenant, make_api_key
from tests.gateway.conftest import usage_rows

GOOD = {"model": "local", "messages": [{"role": "user", "content": "Summarise: prices are data."}]}


@pytest.fixture
def priced_local(settings: Settings) -> Iterator[psycopg.Connection]:
    """An owner connection; the ``local`` price rows a test adds are removed afterwards."""
    assert settings.database_url is not None
    with psycopg.connect(libpq(settings.database_url.get_secret_value()), autocommit=True) as conn:
        try:
            yield conn
        finally:
            conn.execute(
                "DELETE FROM model_prices WHERE provider = 'local' AND effective_from > '2024-01-01'"
            )


def add_price(conn: psycopg.Connection, input_usd: str, output_usd: str, days_from_today: int) -> None:
    day = datetime.now(UTC).date() + timedelta(days=days_from_today)
    conn.execute(
        "INSERT INTO model_prices (provider, model, input_per_million_usd, output_per_million_usd,"
        " effective_from) VALUES ('local', '*', %s, %s, %s)",
        [input_usd, output_usd, day],
    )


async def test_a_new_price_row_applies_from_its_date_and_bills_calls(
    runtime: Runtime,
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    priced_local: psycopg.Connection,
) -> None:
    key = str((await make_api_key(client, tenant))["key"])
    headers = {"Authorization": f"Bearer {key}"}
    add_price(priced_local, "1000", "2000", days_from_today=1)  # announced for tomorrow
    await runtime.prices.reload()
    assert (await client.post("/v1/chat/completions", json=GOOD, headers=headers)).status_code == 200
    add_price(priced_local, "1000", "2000", days_from_today=0)  # in effect today
    await runtime.prices.reload()
    assert (await client.post("/v1/chat/completions", json=GOOD, headers=headers)).status_code == 200
    first, second = usage_rows(settings, tenant.id)
    assert first["cost_micro_usd"] == 0
    tokens = int(second["input_tokens"]) * 1000 + int(second["output_tokens"]) * 2000  # type: ignore[call-overload]
    assert second["cost_micro_usd"] == tokens > 0
    priced_local.execute(
        "DELETE FROM model_prices WHERE provider = 'local' AND effective_from > '2024-01-01'"
    )
    await runtime.prices.reload()


async def test_a_models_output_limit_comes_from_its_catalog_row(
    runtime: Runtime, client: httpx.AsyncClient, tenant: Tenant, priced_local: psycopg.Connection
) -> None:
    key = str((await make_api_key(client, tenant, tokens_per_minute=100_000))["key"])
    headers = {"Authorization": f"Bearer {key}"}
    long_answer = {**GOOD, "max_tokens": 3_000}
    assert (await client.post("/v1/chat/completions", json=long_answer, headers=headers)).status_code == 200

    day = datetime.now(UTC).date()
    priced_local.execute(
        "INSERT INTO model_prices (provider, model, input_per_million_usd, output_per_million_usd,"
        " effective_from, max_output_tokens) VALUES ('local', '*', 0, 0, %s, 1000)",
        [day],
    )
    await runtime.prices.reload()
    refused = await client.post("/v1/chat/completions", json=long_answer, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "max_tokens"
    assert "at most 1000" in refused.json()["error"]["message"]

    # Without max_tokens, the key's tokens-per-minute window holds the input and the catalog's 1,000
    # output tokens: 999 more than the same call capped at one.
    remaining = []
    for body in ({**GOOD, "max_tokens": 1}, {**GOOD, "max_tokens": 1}, GOOD):
        answer = await client.post("/v1/chat/completions", json=body, headers=headers)
        remaining.append(int(answer.headers["x-ratelimit-remaining-tokens"]))
    assert (remaining[1] - remaining[2]) - (remaining[0] - remaining[1]) == 999
    priced_local.execute("DELETE FROM model_prices WHERE provider = 'local' AND effective_from = %s", [day])
    await runtime.prices.reload()
