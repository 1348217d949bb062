"""Key rotation: the secrets key is replaced without orphaning any company's provider key, the
application role's password changes, and the key report shows both against the schedule."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from bench.mock_upstream import MockUpstream
from pydantic import SecretStr

from aipair.config import Settings
from aipair.config.providers import GatewayProvidersConfig
from aipair.db.urls import DatabaseUrls, libpq, resolve_urls
from aipair.gateway.company_routes import provider_key_context
from aipair.kit.local_secrets import local_secret
from aipair.kit.sealing import SealBroken, SecretBox, decode_key, derive_key
from tests.fixtures.live_gateway import control, live_gateway, upstreams  # noqa: F401
from tests.fixtures.tenants import Tenant, make_api_key
from tests.ops.conftest import Source, aipair

MESSAGES = [{"role": "user", "content": "Hello"}]


def mock_openai(port: int) -> GatewayProvidersConfig:
    """``openai`` served by a mock, with no platform key: only a company's own key reaches it."""
    mock = {"kind": "openai_compat", "base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 0}
    aliases = {"gpt-4o-mini": [{"provider": "openai", "model": "gpt-4o-mini"}]}
    return GatewayProvidersConfig.model_validate({"providers": {"openai": mock}, "aliases": aliases})


def cli(
    settings: Settings, urls: DatabaseUrls, *args: str, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    environment.update(AIPAIR_DATABASE_URL=urls.owner, AIPAIR_DATA_DIR=str(settings.data_path), **env)
    done = subprocess.run(
        [sys.executable, "-m", "aipair", *args], env=environment, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 or not check, done.stderr
    return done


def unreadable(rotation: subprocess.CompletedProcess[str]) -> set[tuple[str, str]]:
    """The values ``secrets rotate`` named as opening with no key (other tests store broken ones on
    purpose: a sealed key copied into another company); it exits 1 when there are any."""
    named = set(re.findall(r"cannot open: company (\S+), provider (\S+)", rotation.stdout))
    assert (rotation.returncode == 1) == bool(named), rotation.stderr
    return named


def stored(urls: DatabaseUrls) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq(urls.owner)) as conn:
        return conn.execute("SELECT company_id, provider, sealed_key FROM company_provider_keys").fetchall()


@pytest.fixture
def keys(settings: Settings, urls: DatabaseUrls) -> Iterator[tuple[str, str]]:
    """The key the platform sealed with so far and a new one; afterwards everything goes back under
    the old one (the rest of the session keeps using it)."""
    old = base64.b64encode(derive_key(local_secret(settings.data_path, "secrets_key"))).decode()
    new = base64.b64encode(os.urandom(32)).decode()
    yield old, new
    back = {"AIPAIR_SECRETS_KEY": old, "AIPAIR_SECRETS_PREVIOUS_KEYS": new}
    cli(settings, urls, "secrets", "rotate", check=False, **back)


async def test_rotating_the_secrets_key_keeps_every_company_key_working(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    settings: Settings,
    urls: DatabaseUrls,
    upstreams: tuple[MockUpstream, MockUpstream],  # noqa: F811
    keys: tuple[str, str],
) -> None:
    old, new = keys
    _, vendor = upstreams
    own_keys = {tenant.id: "sk-own-first-1111", other_tenant.id: "sk-own-second-2222"}
    api_keys = {}
    for company in (tenant, other_tenant):
        put = await client.put(
            "/api/ai/provider-keys/openai",
            json={"api_key": own_keys[company.id]},
            headers=company.auth("ADMIN"),
        )
        assert put.status_code == 200, put.text
        api_keys[company.id] = str((await make_api_key(client, company, scopes=["ai"]))["key"])

    ring = {"AIPAIR_SECRETS_KEY": new, "AIPAIR_SECRETS_PREVIOUS_KEYS": old}
    rotated = cli(settings, urls, "secrets", "rotate", check=False, **ring)
    assert "re-sealed" in rotated.stdout
    broken = unreadable(rotated)
    assert not {str(tenant.id), str(other_tenant.id)} & {company for company, _ in broken}

    new_only = SecretBox(decode_key(new))
    old_only = SecretBox(decode_key(old))
    for company_id, provider, sealed in stored(urls):  # nothing sealed under the old key remains
        if (str(company_id), provider) in broken:
            continue
        context = provider_key_context(company_id, provider)
        assert new_only.is_current(bytes(sealed))
        new_only.open(bytes(sealed), context)
        with pytest.raises(SealBroken):
            old_only.open(bytes(sealed), context)

    configured = settings.model_copy(
        update={
            "secrets_key": SecretStr(new),  # the old key is gone from the ring
            "gateway": settings.gateway.model_copy(update={"providers": mock_openai(vendor.port)}),
        }
    )
    control(vendor, fail_count=0, delay_s=0, hang=False, record_auth=True, auth_seen=[])
    with live_gateway(configured) as live:
        for company in (tenant, other_tenant):
            answer = httpx.post(
                f"{live.url}/v1/chat/completions",
                json={"model": "gpt-4o-mini", "messages": MESSAGES},
                headers={"Authorization": f"Bearer {api_keys[company.id]}"},
                timeout=20,
            )
            assert answer.status_code == 200, answer.text
    seen = [c["authorization"] for c in httpx.get(f"http://127.0.0.1:{vendor.port}/__auth").json()]
    assert seen == [f"Bearer {own_keys[tenant.id]}", f"Bearer {own_keys[other_tenant.id]}"]

    report = cli(settings, urls, "report", "keys", AIPAIR_SECRETS_KEY=new).stdout
    assert "under the current key" in report and " 0 under earlier keys" in report


def test_the_application_password_rotates_and_the_report_shows_it(
    source: Source, populated: list[Tenant]
) -> None:
    env = source.env()
    old_url, old_password = source.urls.app, source.urls.app_password
    with source.owner() as conn:  # one key was made a quarter and more ago, the others are new
        aged = conn.execute(
            "UPDATE api_keys SET created_at = now() - interval '100 days'"
            " WHERE id = (SELECT id FROM api_keys WHERE company_id = %s LIMIT 1) RETURNING prefix",
            [populated[0].id],
        ).fetchone()
        fresh = conn.execute(
            "SELECT prefix FROM api_keys WHERE company_id = %s", [populated[1].id]
        ).fetchall()
    assert aged is not None and fresh
    before = aipair(env, "report", "keys").stdout
    assert "database password (application role) | never" in before
    old_keys = before.split("== API keys older than a quarter")[1].split("==")[0]
    assert f"| {aged[0]} |" in old_keys and "| 100 |" in old_keys
    assert not any(f"| {prefix} |" in old_keys for (prefix,) in fresh)

    aipair(env, "db", "rotate-password")
    source.urls = resolve_urls(source.settings)  # what the platform's processes now connect with

    new_password = local_secret(source.settings.data_path, "db_app_password")
    assert new_password not in old_url
    with psycopg.connect(libpq(old_url.replace(old_password, new_password))) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (source.urls.app_role,)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(libpq(old_url), connect_timeout=5).close()
    after = aipair(env, "report", "keys").stdout
    assert "database password (application role) | never" not in after
    assert "| 182 days |" in after
