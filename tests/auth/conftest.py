"""Fixtures of the auth tests: sign-in, clients with a fixed source address, raw SQL as the owner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from psycopg.rows import dict_row

from aipair.composition import Runtime
from aipair.db.urls import libpq
from tests.fixtures.tenants import PASSWORD

SignIn = Callable[..., Awaitable[dict[str, Any]]]
ClientFrom = Callable[[str], httpx.AsyncClient]
OwnerSql = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture
def sign_in(client: httpx.AsyncClient) -> SignIn:
    """Log in through the API and return the token pair; fails the test unless the login succeeds."""

    async def login(email: str, password: str = PASSWORD, company: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"email": email, "password": password}
        if company is not None:
            body["company"] = company
        response = await client.post("/auth/login", json=body)
        assert response.status_code == 200, response.text
        pair: dict[str, Any] = response.json()
        return pair

    return login


@pytest.fixture
async def client_from(app: FastAPI) -> AsyncIterator[ClientFrom]:
    """Build clients whose requests come from a given source address (closed after the test)."""
    async with AsyncExitStack() as stack:

        def build(ip: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(ip, 1))
            http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            stack.push_async_callback(http.aclose)
            return http

        yield build


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
