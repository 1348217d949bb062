"""Shared fixtures: one real embedded PostgreSQL for the session, migrated by Alembic."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from aipair.app import create_app
from aipair.composition import Runtime, start_runtime
from aipair.config import AuthSettings, Settings
from aipair.db import migrate
from aipair.db.embedded import EmbeddedPostgres
from aipair.db.urls import DatabaseUrls, resolve_urls
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
    resolved = resolve_urls(settings)
    migrate.upgrade(resolved)
    return resolved


@pytest.fixture(scope="session")
async def runtime(settings: Settings, urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    from aipair.cli.support import system_session  # noqa: F401  (keeps import errors visible early)
    from aipair.db.engine import DbContext, transaction
    from aipair.tenancy.models import Role

    built = await start_runtime(settings, urls)
    async with transaction(built.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
        await built.platform.initialise(
            session, settings.platform.model_copy(update={"admin_password": None})
        )
    yield built
    await built.close()


@pytest.fixture(scope="session")
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    application = create_app(settings)
    application.state.services = runtime.services
    return application


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
