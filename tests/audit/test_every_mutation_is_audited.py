"""Architecture test: every mutating route writes exactly one audit row, with before/after.

The walk takes the routes from the OpenAPI schema, so a new route without a sample here fails
``test_every_mutating_route_has_a_sample``. Exclusions, and why:

- ``/v1/*``: AI calls are usage (``usage_events``), not changes of state.
- ``POST /auth/refresh``: a token rotation continues a session; sign-in (``auth.session.create``)
  and sign-out (``auth.session.revoke``) are audited.

``POST /api/meetings`` is sampled with new content: an upload answered with an existing meeting
(``duplicate: true``) changes nothing and writes no row (tests/meetings/test_meetings_audit.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.kit.clock import utcnow
from tests.fixtures.operators import OwnerSql
from tests.fixtures.staff import Staff, open_grant
from tests.fixtures.tenants import PASSWORD, Tenant, make_api_key, make_tenant, unique
from tests.meetings.helpers import processed_meeting, upload

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
EXCLUDED = {("POST", "/auth/refresh")}


@dataclass
class Ctx:
    client: httpx.AsyncClient
    tenant: Tenant
    support: Staff
    super_admin: Staff
    owner_sql: OwnerSql
    runtime: Runtime


@dataclass
class Call:
    url: str
    headers: dict[str, str]
    json: Any = field(default_factory=dict)
    # A multipart request (``files`` and form ``data``) instead of a JSON body.
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None


Sample = Callable[[Ctx], Awaitable[Call]]
SAMPLES: dict[tuple[str, str], Sample] = {}


def sample(method: str, path: str) -> Callable[[Sample], Sample]:
    def register(fn: Sample) -> Sample:
        SAMPLES[(method, path)] = fn
        return fn

    return register


@sample("POST", "/auth/login")
async def _login(ctx: Ctx) -> Call:
    return Call("/auth/login", {}, {"email": ctx.tenant.emails["EMPLOYEE"], "password": PASSWORD})


@sample("POST", "/auth/logout")
async def _logout(ctx: Ctx) -> Call:
    pair = await ctx.client.post(
        "/auth/login", json={"email": ctx.tenant.emails["MANAGER"], "password": PASSWORD}
    )
    return Call("/auth/logout", {}, {"refresh_token": pair.json()["refresh_token"]})


@sample("POST", "/auth/invitations/accept")
async def _accept(ctx: Ctx) -> Call:
    invited = await ctx.client.post(
        "/api/members", json={"email": f"{unique('inv')}@example.com"}, headers=ctx.tenant.auth("OWNER")
    )
    token = invited.json()["invitation_token"]
    return Call("/auth/invitations/accept", {}, {"token": token, "name": "New", "password": PASSWORD})


@sample("POST", "/auth/invitations/join")
async def _join(ctx: Ctx) -> Call:
    other = await make_tenant(ctx.runtime)
    invited = await ctx.client.post(
        "/api/members", json={"email": ctx.tenant.emails["EMPLOYEE"]}, headers=other.auth("OWNER")
    )
    token = invited.json()["invitation_token"]
    return Call("/auth/invitations/join", ctx.tenant.auth("EMPLOYEE"), {"token": token})


@sample("DELETE", "/api/invitations/{invitation_id}")
async def _revoke_invitation(ctx: Ctx) -> Call:
    await ctx.client.post(
        "/api/members", json={"email": f"{unique('inv')}@example.com"}, headers=ctx.tenant.auth("OWNER")
    )
    pending = await ctx.client.get("/api/invitations", headers=ctx.tenant.auth("OWNER"))
    invitation = pending.json()["items"][0]["id"]
    return Call(f"/api/invitations/{invitation}", ctx.tenant.auth("OWNER"), None)


async def lock_out(ctx: Ctx, email: str) -> None:
    for _ in range(10):
        await ctx.client.post("/auth/login", json={"email": email, "password": "Not-The-Password-1"})


@sample("POST", "/api/security/lockouts/lift")
async def _lift_lock(ctx: Ctx) -> Call:
    await lock_out(ctx, ctx.tenant.emails["MANAGER"])
    body = {"email": ctx.tenant.emails["MANAGER"], "reason": "ticket 7"}
    return Call("/api/security/lockouts/lift", ctx.super_admin.auth(), body)


@sample("POST", "/api/members/{member_id}/unlock")
async def _unlock_member(ctx: Ctx) -> Call:
    await lock_out(ctx, ctx.tenant.emails["EMPLOYEE"])
    url = f"/api/members/{ctx.tenant.member_ids['EMPLOYEE']}/unlock"
    return Call(url, ctx.tenant.auth("OWNER"), {"reason": "forgot"})


@sample("POST", "/api/members/{member_id}/password-reset")
async def _issue_member_reset(ctx: Ctx) -> Call:
    url = f"/api/members/{ctx.tenant.member_ids['MANAGER']}/password-reset"
    return Call(url, ctx.tenant.auth("OWNER"), None)


@sample("POST", "/api/security/password-resets")
async def _issue_any_reset(ctx: Ctx) -> Call:
    body = {"email": ctx.tenant.emails["MANAGER"]}
    return Call("/api/security/password-resets", ctx.super_admin.auth(), body)


NEW_PASSWORD = "Violet-Kettle-Harbour-58"


@sample("POST", "/auth/password")
async def _change_password(ctx: Ctx) -> Call:
    own = await make_tenant(ctx.runtime)  # the shared tenant's passwords stay as they are
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    return Call("/auth/password", own.auth("EMPLOYEE"), body)


@sample("POST", "/auth/password/reset")
async def _use_reset(ctx: Ctx) -> Call:
    own = await make_tenant(ctx.runtime)
    url = f"/api/members/{own.member_ids['EMPLOYEE']}/password-reset"
    issued = await ctx.client.post(url, headers=own.auth("OWNER"))
    return Call("/auth/password/reset", {}, {"token": issued.json()["token"], "new_password": NEW_PASSWORD})


@sample("POST", "/api/webhooks/secret")
async def _rotate_webhook_secret(ctx: Ctx) -> Call:
    return Call("/api/webhooks/secret", ctx.tenant.auth("OWNER"), {"grace_hours": 1})


@sample("POST", "/api/keys")
async def _create_key(ctx: Ctx) -> Call:
    return Call("/api/keys", ctx.tenant.auth("ADMIN"), {"name": "ci"})


@sample("DELETE", "/api/keys/{key_id}")
async def _revoke_key(ctx: Ctx) -> Call:
    key = await make_api_key(ctx.client, ctx.tenant)
    return Call(f"/api/keys/{key['id']}", ctx.tenant.auth("ADMIN"), None)


@sample("POST", "/api/keys/{key_id}/rotate")
async def _rotate_key(ctx: Ctx) -> Call:
    key = await make_api_key(ctx.client, ctx.tenant)
    return Call(f"/api/keys/{key['id']}/rotate", ctx.tenant.auth("ADMIN"), {"grace_hours": 1})


@sample("POST", "/api/companies")
async def _create_company(ctx: Ctx) -> Call:
    slug = unique("arch")
    owner = {"email": f"owner@{slug}.example.com", "password": PASSWORD}
    return Call("/api/companies", ctx.super_admin.auth(), {"name": "Arch", "slug": slug, "owner": owner})


@sample("PATCH", "/api/companies/{company_id}")
async def _update_company(ctx: Ctx) -> Call:
    return Call(f"/api/companies/{ctx.tenant.id}", ctx.tenant.auth("OWNER"), {"name": "Renamed"})


@sample("POST", "/api/companies/{company_id}/suspend")
async def _suspend(ctx: Ctx) -> Call:
    return Call(f"/api/companies/{ctx.tenant.id}/suspend", ctx.super_admin.auth(), None)


@sample("POST", "/api/companies/{company_id}/activate")
async def _activate(ctx: Ctx) -> Call:
    return Call(f"/api/companies/{ctx.tenant.id}/activate", ctx.super_admin.auth(), None)


@sample("POST", "/api/members")
async def _add_member(ctx: Ctx) -> Call:
    body = {"email": f"{unique('m')}@example.com", "role": "EMPLOYEE"}
    return Call("/api/members", ctx.tenant.auth("OWNER"), body)


@sample("PATCH", "/api/members/{member_id}")
async def _change_role(ctx: Ctx) -> Call:
    member = ctx.tenant.member_ids["EMPLOYEE"]
    return Call(f"/api/members/{member}", ctx.tenant.auth("OWNER"), {"role": "MANAGER"})


@sample("POST", "/api/members/{member_id}/deactivate")
async def _deactivate(ctx: Ctx) -> Call:
    return Call(
        f"/api/members/{ctx.tenant.member_ids['EMPLOYEE']}/deactivate", ctx.tenant.auth("OWNER"), None
    )


@sample("PUT", "/api/budget")
async def _budget(ctx: Ctx) -> Call:
    return Call(
        "/api/budget", ctx.tenant.auth("ADMIN"), {"monthly_budget_usd": "250", "alert_thresholds": [50, 90]}
    )


@sample("POST", "/api/support/grants")
async def _open_grant(ctx: Ctx) -> Call:
    body = {"company_id": str(ctx.tenant.id), "reason": "Ticket", "ticket_ref": "T-9", "scope": "read"}
    return Call("/api/support/grants", ctx.support.auth(), body)


@sample("POST", "/api/support/grants/{grant_id}/revoke")
async def _staff_revoke(ctx: Ctx) -> Call:
    grant = await open_grant(ctx.client, ctx.support, ctx.tenant.id)
    return Call(f"/api/support/grants/{grant['id']}/revoke", ctx.support.auth(), None)


@sample("POST", "/api/support/limit-increases")
async def _increase(ctx: Ctx) -> Call:
    await open_grant(ctx.client, ctx.support, ctx.tenant.id, "write")
    body = {"company_id": str(ctx.tenant.id), "extra_ai_requests": 100, "reason": "Launch week"}
    return Call("/api/support/limit-increases", ctx.support.auth(), body)


@sample("POST", "/api/company/support-grants/{grant_id}/approve")
async def _approve(ctx: Ctx) -> Call:
    await ctx.owner_sql("UPDATE companies SET require_support_approval = true WHERE id = %s", ctx.tenant.id)
    grant = await open_grant(ctx.client, ctx.support, ctx.tenant.id)
    return Call(f"/api/company/support-grants/{grant['id']}/approve", ctx.tenant.auth("OWNER"), None)


@sample("POST", "/api/company/support-grants/{grant_id}/revoke")
async def _company_revoke(ctx: Ctx) -> Call:
    grant = await open_grant(ctx.client, ctx.support, ctx.tenant.id)
    return Call(f"/api/company/support-grants/{grant['id']}/revoke", ctx.tenant.auth("ADMIN"), None)


async def _put(ctx: Ctx, url: str, body: dict[str, Any]) -> None:
    response = await ctx.client.put(url, json=body, headers=ctx.tenant.auth("OWNER"))
    assert response.status_code == 200, response.text


PROVIDER_KEY = {"api_key": "sk-audit-sample-0001"}
ALIAS_TARGETS = {"targets": [{"provider": "local", "model": "local-extractive"}]}


@sample("PUT", "/api/ai/provider-keys/{provider}")
async def _replace_provider_key(ctx: Ctx) -> Call:
    await _put(ctx, "/api/ai/provider-keys/openai", PROVIDER_KEY)
    return Call("/api/ai/provider-keys/openai", ctx.tenant.auth("ADMIN"), {"api_key": "sk-audit-sample-0002"})


@sample("DELETE", "/api/ai/provider-keys/{provider}")
async def _remove_provider_key(ctx: Ctx) -> Call:
    await _put(ctx, "/api/ai/provider-keys/openai", PROVIDER_KEY)
    return Call("/api/ai/provider-keys/openai", ctx.tenant.auth("ADMIN"), None)


@sample("PUT", "/api/ai/model-aliases/{alias}")
async def _replace_model_alias(ctx: Ctx) -> Call:
    await _put(ctx, "/api/ai/model-aliases/team-fast", ALIAS_TARGETS)
    targets = {"targets": [{"provider": "openai", "model": "gpt-4o-mini"}]}
    return Call("/api/ai/model-aliases/team-fast", ctx.tenant.auth("ADMIN"), targets)


@sample("DELETE", "/api/ai/model-aliases/{alias}")
async def _remove_model_alias(ctx: Ctx) -> Call:
    await _put(ctx, "/api/ai/model-aliases/team-fast", ALIAS_TARGETS)
    return Call("/api/ai/model-aliases/team-fast", ctx.tenant.auth("ADMIN"), None)


@sample("PUT", "/api/ai/model-access")
async def _restrict_models(ctx: Ctx) -> Call:
    return Call(
        "/api/ai/model-access", ctx.tenant.auth("ADMIN"), {"allowed_models": ["gpt-4o-mini", "local"]}
    )


def transcript() -> bytes:
    """A short transcript no other upload shares (the same content twice is a duplicate)."""
    return f"Ana: We ship on Friday.\nBob: I will write the release notes.\nAna: {unique('m')}\n".encode()


async def uploaded_meeting(ctx: Ctx, role: str) -> str:
    response = await upload(ctx.client, ctx.tenant, role, "sync.txt", transcript(), "text/plain")
    assert response.status_code == 202, response.text
    meeting_id: str = response.json()["id"]
    return meeting_id


@sample("POST", "/api/meetings")
async def _upload_meeting(ctx: Ctx) -> Call:
    files = {"file": ("sync.txt", transcript(), "text/plain")}
    return Call("/api/meetings", ctx.tenant.auth("EMPLOYEE"), None, files, {"title": "Weekly sync"})


@sample("DELETE", "/api/meetings/{meeting_id}")
async def _delete_meeting(ctx: Ctx) -> Call:
    meeting_id = await uploaded_meeting(ctx, "EMPLOYEE")
    return Call(f"/api/meetings/{meeting_id}", ctx.tenant.auth("ADMIN"), None)


@sample("POST", "/api/meetings/{meeting_id}/reprocess")
async def _reprocess_meeting(ctx: Ctx) -> Call:
    meeting_id = await uploaded_meeting(ctx, "EMPLOYEE")
    return Call(f"/api/meetings/{meeting_id}/reprocess", ctx.tenant.auth("EMPLOYEE"), {"engine": "local"})


@sample("PATCH", "/api/action-items/{item_id}")
async def _review_action_item(ctx: Ctx) -> Call:
    detail = await processed_meeting(ctx.client, ctx.runtime, ctx.tenant, role="EMPLOYEE")
    item_id = detail["action_items"][0]["id"]
    return Call(f"/api/action-items/{item_id}", ctx.tenant.auth("EMPLOYEE"), {"status": "confirmed"})


async def _staff_post(ctx: Ctx, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await ctx.client.post(url, json=body, headers=ctx.super_admin.auth())
    assert response.status_code < 300, response.text
    created: dict[str, Any] = response.json()
    return created


def _in_days(days: int) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


@sample("POST", "/api/maintenance/windows")
async def _schedule_window(ctx: Ctx) -> Call:
    body = {"starts_at": _in_days(30), "duration_minutes": 30, "reason": "audit sample"}
    return Call("/api/maintenance/windows", ctx.super_admin.auth(), body)


@sample("POST", "/api/maintenance/windows/{window_id}/cancel")
async def _cancel_window(ctx: Ctx) -> Call:
    body = {"starts_at": _in_days(40), "duration_minutes": 30, "reason": "audit sample"}
    window = await _staff_post(ctx, "/api/maintenance/windows", body)
    return Call(f"/api/maintenance/windows/{window['id']}/cancel", ctx.super_admin.auth(), None)


@sample("POST", "/api/maintenance/on")
async def _maintenance_on(ctx: Ctx) -> Call:
    # A window of two seconds: no other test in the session meets it.
    until = (utcnow() + timedelta(seconds=2)).isoformat()
    return Call(
        "/api/maintenance/on", ctx.super_admin.auth(), {"emergency": True, "reason": "sample", "until": until}
    )


@sample("POST", "/api/maintenance/off")
async def _maintenance_off(ctx: Ctx) -> Call:
    until = (utcnow() + timedelta(seconds=30)).isoformat()
    await _staff_post(ctx, "/api/maintenance/on", {"emergency": True, "reason": "sample", "until": until})
    return Call("/api/maintenance/off", ctx.super_admin.auth(), None)


@sample("POST", "/api/ops/incidents")
async def _open_incident(ctx: Ctx) -> Call:
    return Call("/api/ops/incidents", ctx.support.auth(), {"severity": "P2", "title": "Audit sample"})


async def _incident(ctx: Ctx) -> str:
    opened = await _staff_post(ctx, "/api/ops/incidents", {"severity": "P3", "title": "Audit sample"})
    return str(opened["id"])


@sample("POST", "/api/ops/incidents/{incident_id}/ack")
async def _ack_incident(ctx: Ctx) -> Call:
    return Call(f"/api/ops/incidents/{await _incident(ctx)}/ack", ctx.support.auth(), None)


@sample("POST", "/api/ops/incidents/{incident_id}/notes")
async def _note_incident(ctx: Ctx) -> Call:
    return Call(f"/api/ops/incidents/{await _incident(ctx)}/notes", ctx.support.auth(), {"body": "Looking"})


@sample("POST", "/api/ops/incidents/{incident_id}/resolve")
async def _resolve_incident(ctx: Ctx) -> Call:
    url = f"/api/ops/incidents/{await _incident(ctx)}/resolve"
    return Call(url, ctx.support.auth(), {"resolution": "Restarted"})


def mutating_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) that changes state, from the OpenAPI schema (``app.routes`` is lazy)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if not path.startswith("/v1/")
        for method in operations
        if method.upper() in MUTATING and (method.upper(), path) not in EXCLUDED
    }


def test_every_mutating_route_has_a_sample(app: FastAPI) -> None:
    routes = mutating_routes(app)
    missing = routes - set(SAMPLES)
    assert not missing, f"mutating routes without an audit sample (add one to SAMPLES): {sorted(missing)}"
    assert not set(SAMPLES) - routes, (
        f"samples for routes that no longer exist: {sorted(set(SAMPLES) - routes)}"
    )


@pytest.mark.parametrize("route", sorted(SAMPLES), ids=lambda r: f"{r[0]} {r[1]}")
async def test_the_route_writes_exactly_one_audit_row_with_before_and_after(
    route: tuple[str, str],
    client: httpx.AsyncClient,
    tenant: Tenant,
    support: Staff,
    super_admin: Staff,
    owner_sql: OwnerSql,
    runtime: Runtime,
) -> None:
    method, _ = route
    call = await SAMPLES[route](Ctx(client, tenant, support, super_admin, owner_sql, runtime))
    count = "SELECT count(*) AS n FROM audit_logs"
    before = (await owner_sql(count))[0]["n"]
    response = await client.request(
        method, call.url, json=call.json, files=call.files, data=call.data, headers=call.headers
    )
    assert response.status_code < 300, f"{route}: {response.status_code} {response.text}"
    written = (await owner_sql(count))[0]["n"] - before
    assert written == 1, f"{route} wrote {written} audit rows"
    newest = "SELECT action, before, after, request_id FROM audit_logs ORDER BY created_at DESC LIMIT 1"
    row = (await owner_sql(newest))[0]
    assert row["after"] is not None, f"{route}: no 'after' in {row['action']}"
    if method in ("PATCH", "PUT", "DELETE") or call.url.endswith(("/revoke", "/approve", "/rotate")):
        assert row["before"] is not None, f"{route}: no 'before' in {row['action']}"
    assert row["request_id"] == response.headers["x-request-id"]
