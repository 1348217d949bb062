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
