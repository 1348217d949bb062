"""The runbook's ``kubectl patch configmap app-config -p '{"data":{"DB_POOL_SIZE":"20"}}'`` resizes the
pool: the application reads ``DB_POOL_SIZE`` (``AIPAIR_DB_POOL_SIZE`` wins when both are set)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from aipair.app import create_app
from aipair.config import Settings
from aipair.db.urls import DatabaseUrls


@pytest.mark.parametrize(
    ("environment", "pool_size"),
    [({"DB_POOL_SIZE": "20"}, 20), ({"DB_POOL_SIZE": "20", "AIPAIR_DB_POOL_SIZE": "7"}, 7)],
)
async def test_db_pool_size_in_the_environment_sizes_the_pool_health_db_shows(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    urls: DatabaseUrls,
    data_dir: Path,
    environment: dict[str, str],
    pool_size: int,
) -> None:
    for name in list(os.environ):
        if name.startswith("AIPAIR_") or name == "DB_POOL_SIZE":
            monkeypatch.delenv(name)
    assert settings.database_url is not None
    monkeypatch.setenv("AIPAIR_DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("AIPAIR_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AIPAIR_LOG_LEVEL", "WARNING")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = create_app()  # settings from the environment, as in a container
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://app") as http,
    ):
        response = await http.get("/health/db")
    assert response.status_code == 200, response.text
    assert response.json()["database"]["pool"]["size"] == pool_size
