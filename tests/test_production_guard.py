"""Production refuses to start with development's conveniences: generated or placeholder secrets, a loose
CORS policy, plain-http webhooks. Each problem is one line naming the setting; nothing starts."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.config import HttpSettings, Settings
from aipair.config.production import UnsafeProductionSettings, production_problems, refuse_unsafe_production
from tests.fixtures.database import app_on

SAFE = {
    "AIPAIR_ENV": "production",
    "AIPAIR_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
    "AIPAIR_SECRETS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
}


def production(**env: str) -> Settings:
    values = {**SAFE, **env}
    names = {key: value for key, value in values.items() if value}
    for key in ("AIPAIR_AUTH__JWT_SECRET", "AIPAIR_SECRETS_KEY"):
        os.environ.pop(key, None)
    previous = {key: os.environ.get(key) for key in names}
    os.environ.update(names)
    try:
        return Settings()
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_safe_production_settings_pass_and_development_is_never_refused() -> None:
    assert production_problems(production()) == []
    assert production_problems(Settings(env="development", http=HttpSettings(cors_origins=["*"]))) == []


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AIPAIR_AUTH__JWT_SECRET": ""}, "AIPAIR_AUTH__JWT_SECRET is not set"),
        ({"AIPAIR_AUTH__JWT_SECRET": "change-me-jwt"}, "AIPAIR_AUTH__JWT_SECRET is a placeholder"),
        ({"AIPAIR_AUTH__JWT_SECRET": "s3cret"}, "shorter than 32 characters"),
        ({"AIPAIR_SECRETS_KEY": ""}, "AIPAIR_SECRETS_KEY is not set"),
        ({"AIPAIR_HTTP__CORS_ORIGINS": '["*"]'}, "AIPAIR_HTTP__CORS_ORIGINS allows *"),
        ({"AIPAIR_HTTP__CORS_ORIGINS": '["http://app.example.com"]'}, "allows http://app.example.com"),
        ({"AIPAIR_HTTP__CORS_ORIGINS": '["https://localhost:3000"]'}, "allows https://localhost:3000"),
        ({"AIPAIR_WEBHOOKS__ALLOW_HTTP": "true"}, "AIPAIR_WEBHOOKS__ALLOW_HTTP is on"),
        (
            {"AIPAIR_DATABASE_URL": "postgresql://aipair:change-me-owner@db/aipair"},
            "AIPAIR_DATABASE_URL still hold a placeholder password",
        ),
    ],
)
def test_each_unsafe_setting_is_named(env: dict[str, str], named: str) -> None:
    problems = production_problems(production(**env))

    assert len(problems) == 1 and named in problems[0], problems
    with pytest.raises(UnsafeProductionSettings):
        refuse_unsafe_production(production(**env))


def test_an_https_origin_of_a_real_host_is_allowed() -> None:
    assert production_problems(production(AIPAIR_HTTP__CORS_ORIGINS='["https://app.example.com"]')) == []


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker"]])
def test_serve_and_worker_refuse_to_start_with_one_line_per_problem(
    command: list[str], tmp_path: Path
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    env = {
        **clean,
        "AIPAIR_ENV": "production",
        "AIPAIR_DATA_DIR": str(tmp_path),
        "AIPAIR_HTTP__CORS_ORIGINS": '["*"]',
    }

    done = subprocess.run(
        [sys.executable, "-m", "aipair", *command], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3, done.stderr
    assert all(line.startswith("error[unsafe_production_settings]: AIPAIR_") for line in lines), lines
    assert "Traceback" not in done.stderr and not (tmp_path / "pgdata").exists()


async def test_cross_origin_calls_are_answered_only_for_the_configured_origins(
    settings: Settings, runtime: Runtime
) -> None:
    allowed = settings.model_copy(update={"http": HttpSettings(cors_origins=["https://app.example.com"])})
    app: FastAPI = app_on(allowed, runtime)
    preflight = {"access-control-request-method": "GET", "access-control-request-headers": "authorization"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        ok = await client.options("/api/usage", headers={"origin": "https://app.example.com", **preflight})
        other = await client.options("/api/usage", headers={"origin": "https://evil.example", **preflight})
        plain = await client.get("/health", headers={"origin": "https://evil.example"})

    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-credentials" not in ok.headers
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in plain.headers
