"""Fixtures of the audit tests: staff members, raw SQL as the owner and as the application role."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from aipair.config import Settings
from aipair.db.urls import DatabaseUrls, libpq
from aipair.runtime import Runtime
from tests.fixtures.live_gateway import healthy_upstreams, upstreams  # noqa: F401  (shared fixtures)
from tests.fixtures.staff import Staff, make_staff

OwnerSql = Callable[..., Awaitable[list[dict[str, Any]]]]
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
async def support(runtime: Runtime) -> Staff:
    return await make_staff(runtime, "SUPPORT")


@pytest.fixture
async def super_admin(runtime: Runtime) -> Staff:
    return await make_staff(runtime, "SUPER_ADMIN")


@pytest.fixture
def owner_sql(runtime: Runtime) -> OwnerSql:
    """Run one SQL statement as the owner role (what an operator's psql does); rows as dicts."""

    async def run(query: str, *params: object) -> list[dict[str, Any]]:
        async with await psycopg.AsyncConnection.connect(
            libpq(runtime.urls.owner), autocommit=True, row_factory=dict_row
        ) as conn:
            cursor = await conn.execute(query, params or None)
            return await cursor.fetchall() if cursor.description else []

    return run


@pytest.fixture
def app_conn(urls: DatabaseUrls) -> Iterator[psycopg.Connection]:
    """A raw connection of the application role (RLS applies); one transaction until rollback."""
    with psycopg.connect(libpq(urls.app)) as conn:
        yield conn


def set_context(conn: psycopg.Connection, **values: object) -> None:
    """``app.<name>`` settings for the current transaction, as the application sets them."""
    for name, value in values.items():
        conn.execute("SELECT set_config('app.' || %s, %s, true)", [name, "" if value is None else str(value)])


def as_support(conn: psycopg.Connection, staff: Staff, company_id: object) -> None:
    """The database context of ``staff`` acting inside ``company_id``."""
    set_context(
        conn, company_id=None, user_id=staff.user_id, platform_role=staff.role, support_company_id=company_id
    )


@pytest.fixture
def cli(settings: Settings, urls: DatabaseUrls) -> Cli:
    """Run ``aipair ...`` as a subprocess against the test database, as the owner."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
        env.update(AIPAIR_DATABASE_URL=urls.owner, AIPAIR_DATA_DIR=str(settings.data_path))
        return subprocess.run(
            [sys.executable, "-m", "aipair", *args], env=env, capture_output=True, text=True, timeout=120
        )

    return run
