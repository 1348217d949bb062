"""Schemathesis against the OpenAPI schema of a served API, signed in as a company's owner: generated
requests to every operation (a bounded number each) never get a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings

from aipair.composition import Runtime
from aipair.config import Settings
from tests.fixtures.processes import gateway_env, served_gateways
from tests.fixtures.tenants import Tenant

EXAMPLES = 4  # per operation: enough to reach every field's validation, small enough to stay quick


@pytest.fixture(scope="module")
def served(settings: Settings, data_dir: Path, runtime: Runtime) -> Iterator[str]:
    """``aipair serve`` on the test database (same data directory, so the same token secret)."""
    assert settings.database_url is not None
    env = gateway_env(
        AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(),
        AIPAIR_DATA_DIR=str(data_dir),
        AIPAIR_LOG_LEVEL="ERROR",
    )
    with served_gateways(env, 1) as urls:
        yield urls[0]


def fuzz(url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    """Every operation with ``EXAMPLES`` generated requests: how many were sent, and those answered 5xx."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    sent = [0]
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=url, headers=headers, timeout=30)
            sent[0] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}"
                )

        call()
    return sent[0], failures


async def test_generated_requests_to_every_operation_get_no_5xx(served: str, tenant: Tenant) -> None:
    sent, failures = await asyncio.to_thread(fuzz, served, tenant.auth("OWNER"))

    assert failures == []
    assert sent >= 2 * 80, f"only {sent} requests were generated"
