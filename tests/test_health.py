"""The runbook's health endpoints."""

from __future__ import annotations

import httpx


async def test_health_answers_without_io(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"]


async def test_health_db_runs_a_real_query_and_reports_migration_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/db")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["migration"]["current"] == body["database"]["migration"]["head"]
    assert body["database"]["latency_ms"] >= 0
    assert body["database"]["pool"]["capacity"] > 0


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
