"""What the operator's console prints for scripts (``--json``), and password reset codes it issues."""

from __future__ import annotations

import json

import httpx

from tests.auth.conftest import ClientFrom
from tests.cli.conftest import Cli
from tests.cli.test_cli_accounts import one_line_error
from tests.fixtures.tenants import PASSWORD, Tenant, random_ip

NEW_PASSWORD = "Saffron-Lighthouse-Quay-73"


def as_json(cli: Cli, *args: str) -> object:
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_listing_commands_print_one_json_document_with_json(cli: Cli, tenant: Tenant) -> None:
    companies = as_json(cli, "companies", "list", "--limit", "10000")
    users = as_json(cli, "users", "list", "--company", tenant.slug)
    jobs = as_json(cli, "jobs", "list", "--limit", "5")
    incidents = as_json(cli, "incident", "list")

    assert isinstance(companies, list) and isinstance(jobs, list) and isinstance(incidents, list)
    mine = next(c for c in companies if c["slug"] == tenant.slug)
    assert mine["id"] == str(tenant.id) and mine["status"] == "ACTIVE"
    assert isinstance(users, list)
    assert {u["email"]: u["role"] for u in users} == {e: r for r, e in tenant.emails.items()}
    assert all(set(job) >= {"id", "name", "state", "attempts", "created_at"} for job in jobs)
    text = cli("users", "list", "--company", tenant.slug)
    assert tenant.emails["OWNER"] in text.stdout and not text.stdout.lstrip().startswith("[")


async def test_reset_password_prints_a_one_time_code_that_sets_a_new_password(
    cli: Cli, client_from: ClientFrom, tenant: Tenant
) -> None:
    email = tenant.emails["ADMIN"]

    issued = as_json(cli, "users", "reset-password", email)

    assert isinstance(issued, dict) and issued["delivery"] == "shown" and issued["email"] == email
    client = client_from(random_ip())
    body = {"token": issued["token"], "new_password": NEW_PASSWORD}
    assert (await client.post("/auth/password/reset", json=body)).status_code == 204
    assert (await client.post("/auth/password/reset", json=body)).status_code == 400  # once only
    old = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    new = await client.post("/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert old.status_code == 401 and new.status_code == 200


def test_reset_password_of_an_unknown_account_is_one_line(cli: Cli, client: httpx.AsyncClient) -> None:
    one_line_error(cli("users", "reset-password", "nobody.here@example.com"), "account_not_found")
