"""Shared fixtures: one real embedded PostgreSQL for the session, migrated by Alembic."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.config import AuthSettings, Settings
from aipair.db.embedded import EmbeddedPostgres
from aipair.db.urls import DatabaseUrls
from tests.fixtures.database import app_on, initialised_runtime, migrated_urls
from tests.fixtures.tenants import Tenant, make_tenant, random_ip

FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="aipair-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(data_dir: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(data_dir, port=0)
    server.ensure_running()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(postgres: EmbeddedPostgres, data_dir: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=data_dir,
        database_url=postgres.owner_url(),  # type: ignore[arg-type]
        auth=AuthSettings(**FAST_ARGON2),  # type: ignore[arg-type]
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def urls(settings: Settings) -> DatabaseUrls:
    return migrated_urls(settings)


@pytest.fixture(scope="session")
async def runtime(settings: Settings, urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    async with initialised_runtime(settings, urls) as built:
        yield built


@pytest.fixture(scope="session")
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    return app_on(settings, runtime)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(random_ip(), 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def tenant(runtime: Runtime) -> Tenant:
    return await make_tenant(runtime)


@pytest.fixture
async def other_tenant(runtime: Runtime) -> Tenant:
    return await make_tenant(runtime)
