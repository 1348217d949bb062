"""Accounts from the operator's console: locks lifted, errors as one line."""

from __future__ import annotations

import httpx

from aipair.config import Settings
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


def one_line_error(done: object, code: str) -> None:
    import subprocess

    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error[{code}]: "), lines[0]


async def test_a_taken_slug_is_one_line(cli: Cli, tenant: Tenant) -> None:
    done = cli("companies", "create", "--name", "Again", "--slug", tenant.slug)

    one_line_error(done, "slug_taken")


async def test_an_existing_member_is_one_line(cli: Cli, tenant: Tenant) -> None:
    done = cli("users", "create", "--company", tenant.slug, "--email", tenant.emails["EMPLOYEE"])

    one_line_error(done, "already_member")


async def test_a_weak_password_is_one_line_and_creates_nothing(
    cli: Cli, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    email = f"weak.{tenant.slug}@example.com"

    done = cli(
        "users", "create", "--company", tenant.slug, "--email", email, "--password-stdin", stdin="short\n"
    )

    one_line_error(done, "weak_password")
    assert "at least 12 characters" in done.stderr
    members = await client.get("/api/members", headers=tenant.auth("OWNER"))
    assert email not in {m["email"] for m in members.json()["items"]}


async def test_a_password_comes_from_stdin_or_the_environment_never_an_argument(
    cli: Cli, tenant: Tenant, client: httpx.AsyncClient
) -> None:
    by_stdin, by_env = (f"{who}.{tenant.slug}@example.com" for who in ("stdin", "env"))
    assert (
        cli(
            "users",
            "create",
            "--company",
            tenant.slug,
            "--email",
            by_stdin,
            "--password-stdin",
            stdin=f"{PASSWORD}\n",
        ).returncode
        == 0
    )
    assert (
        cli(
            "users", "create", "--company", tenant.slug, "--email", by_env, AIPAIR_NEW_PASSWORD=PASSWORD
        ).returncode
        == 0
    )
    for email in (by_stdin, by_env):
        signed_in = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text

    as_argument = cli(
        "users", "create", "--company", tenant.slug, "--email", "x@example.com", "--password", PASSWORD
    )
    one_line_error(as_argument, "usage_error")


NEW_ADMIN_PASSWORD = "Brand-New-Root-Pass-91"


async def test_init_says_when_the_admin_password_setting_is_not_applied_and_resets_it_on_request(
    cli: Cli, client: httpx.AsyncClient, settings: Settings
) -> None:
    email = settings.platform.admin_email
    plain = cli("init", AIPAIR_PLATFORM__ADMIN_PASSWORD=NEW_ADMIN_PASSWORD)
    assert plain.returncode == 0, plain.stderr
    assert "--reset-admin-password" in plain.stdout
    refused = await client.post("/auth/login", json={"email": email, "password": NEW_ADMIN_PASSWORD})
    assert refused.status_code == 401

    reset = cli("init", "--reset-admin-password", AIPAIR_PLATFORM__ADMIN_PASSWORD=NEW_ADMIN_PASSWORD)

    assert reset.returncode == 0, reset.stderr
    assert "password reset" in reset.stdout and "generated password" not in reset.stdout
    signed_in = await client.post("/auth/login", json={"email": email, "password": NEW_ADMIN_PASSWORD})
    assert signed_in.status_code == 200, signed_in.text


def test_init_with_a_password_containing_the_admins_name_is_one_line(cli: Cli) -> None:
    done = cli("init", "--reset-admin-password", AIPAIR_PLATFORM__ADMIN_PASSWORD="My-Admin-Pass-2024")

    one_line_error(done, "weak_password")
