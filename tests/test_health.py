"""The runbook's health endpoints."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

import httpx
import psycopg
from alembic.script import ScriptDirectory

from aipair.db.migrate import alembic_config
from aipair.db.urls import DatabaseUrls, libpq


async def test_health_answers_without_io(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"]


async def test_health_tells_the_version_git_revision_and_migration_head(
    client: httpx.AsyncClient, urls: DatabaseUrls
) -> None:
    """Blue and green answer with what they are: an operator reads a rollout from /health."""
    body = (await client.get("/health")).json()
    checkout = subprocess.run(
        ["git", "-C", str(Path(__file__).parent), "rev-parse", "--short=12", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    head = ScriptDirectory.from_config(alembic_config(urls)).get_current_head()
    assert body["version"] == version("aipair")
    assert body["revision"] == checkout
    assert body["migration_head"] == head


async def test_health_db_runs_a_real_query_and_reports_migration_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/db")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["migration"]["current"] == body["database"]["migration"]["head"]
    assert body["database"]["latency_ms"] >= 0
    assert body["database"]["pool"]["capacity"] > 0


async def test_health_db_stays_ready_on_a_newer_release_s_schema_but_not_with_migrations_pending(
    client: httpx.AsyncClient, urls: DatabaseUrls
) -> None:
    """Blue/green: after the green release's migration, blue (which does not know that revision) stays
    ready; code whose own migrations are not applied is not."""
    script = ScriptDirectory.from_config(alembic_config(urls))
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    answers = {}
    with psycopg.connect(libpq(urls.owner), autocommit=True) as conn:
        try:
            for revision in ("9999_of_a_newer_release", previous):
                conn.execute("UPDATE alembic_version SET version_num = %s", [revision])
                answers[revision] = await client.get("/health/db")
        finally:
            conn.execute("UPDATE alembic_version SET version_num = %s", [head])
    ahead, behind = answers["9999_of_a_newer_release"], answers[previous]
    assert ahead.status_code == 200, ahead.text
    assert ahead.json()["database"]["migration"] == {
        "current": "9999_of_a_newer_release",
        "head": head,
        "state": "ahead",
    }
    assert behind.status_code == 503
    assert behind.json()["database"]["migration"]["state"] == "behind"
    assert behind.json()["database"]["status"] == "migrations_pending"


async def test_ai_and_integrations_say_not_configured_honestly(client: httpx.AsyncClient) -> None:
    for path in ("/health/integrations",):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.json()["status"] == "not_configured"


async def test_metrics_are_served_in_prometheus_format(client: httpx.AsyncClient) -> None:
    await client.post("/auth/login", json={"email": "nobody@example.com", "password": "wrong-password-1A"})
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "aipair_auth_failed_logins_total" in response.text
