"""Accounts from the operator's console: locks lifted, errors as one line."""

from __future__ import annotations

import httpx

from tests.auth.conftest import ClientFrom
from tests.cli.conftest import Cli
from tests.fixtures.tenants import PASSWORD, Tenant, random_ip


async def test_users_unlock_lifts_a_lock(cli: Cli, client_from: ClientFrom, tenant: Tenant) -> None:
    email = tenant.emails["EMPLOYEE"]
    for _ in range(10):
        await client_from(random_ip()).post(
            "/auth/login", json={"email": email, "password": "Wrong-pass-123"}
        )

    done = cli("users", "unlock", email, "--reason", "called the help desk")

    assert done.returncode == 0, done.stderr
    assert "lock lifted" in done.stdout
    response = await client_from(random_ip()).post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    again = cli("users", "unlock", email, "--reason", "again")
    assert "not locked" in again.stdout


def test_unlock_without_a_reason_is_one_line(cli: Cli, client: httpx.AsyncClient) -> None:
    done = cli("users", "unlock", "someone@example.com")

    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("error[usage_error]:")
