"""Attacks on the console: another company's ids on every page answer 404, every form refuses a
missing or wrong CSRF token, and the session cookie is HttpOnly, Secure and SameSite."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from aipair.composition import Runtime
from aipair.web.app import ROUTERS
from aipair.web.routing import ConsoleRoute
from tests.fixtures.staff import foreign_grant_ids, make_staff, open_grant
from tests.fixtures.tenants import Tenant, make_api_key
from tests.meetings.helpers import processed_meeting, wait_for_status
from tests.web.console_client import ConsoleUser, set_cookies, signed_in

FORMS = {"/members/{member_id}/role": {"role": "MANAGER"}, "/action-items/{item_id}": {"status": "confirmed"}}
NOT_IDS = {"provider", "alias"}
"""Path parameters that name a company's own setting, not a row that could be another company's."""
STAFF_ONLY = ("/platform/", "/operations/")
"""Platform records (grants, companies, incidents): staff pages, walked in their own tests."""


def console_routes(app: FastAPI) -> list[APIRoute]:
    """Every route the console serves (its routers are included without a prefix)."""
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, ConsoleRoute)]
    assert len(routes) >= 40
    return routes


async def foreign_ids(client: httpx.AsyncClient, runtime: Runtime, victim: Tenant) -> dict[str, uuid.UUID]:
    """One id of each kind, all belonging to ``victim``."""
    uploaded = await processed_meeting(client, runtime, victim, role="OWNER")
    meeting = await wait_for_status(client, victim, uploaded["id"], {"done"})  # whoever ran its job
    key = await make_api_key(client, victim)
    return {
        "meeting_id": uuid.UUID(meeting["id"]),
        "item_id": uuid.UUID(meeting["action_items"][0]["id"]),
        "key_id": uuid.UUID(str(key["id"])),
        "member_id": victim.member_ids["EMPLOYEE"],
        **await foreign_grant_ids(client, victim, runtime),
    }


async def test_every_console_page_answers_another_companys_ids_with_404(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = await foreign_ids(client, runtime, other_tenant)
    owner = await signed_in(client, tenant.emails["OWNER"])
    walked = []
    for route in console_routes(app):
        params = set(route.param_convertors) - NOT_IDS
        if not params or route.path.startswith(STAFF_ONLY):
            continue
        missing = params - ids.keys()
        assert not missing, f"no foreign sample for {route.path}: add one to foreign_ids()"
        path = route.path.format(**{name: ids[name] for name in params})
        for method in route.methods:
            if method == "GET":
                answer = await owner.get(path)
            else:
                answer = await owner.post(path, FORMS.get(route.path, {}))
            assert answer.status_code == 404, f"{method} {route.path}: {answer.status_code}"
            assert "Not found" in answer.text and other_tenant.slug not in answer.text
            walked.append(f"{method} {route.path}")
    assert len(walked) >= 12, walked


async def test_staff_cannot_end_another_staff_members_grant(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    grant = await open_grant(client, await make_staff(runtime), tenant.id)
    other = await signed_in(client, (await make_staff(runtime)).email)
    answer = await other.post(f"/platform/grants/{grant['id']}/revoke")
    assert answer.status_code == 404


async def test_every_form_refuses_a_missing_or_wrong_csrf_token(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    owner = await signed_in(client, tenant.emails["OWNER"])
    stranger = await signed_in(client, tenant.emails["ADMIN"])  # a valid token, of another session
    posts = [r for r in console_routes(app) if "POST" in r.methods]
    assert len(posts) >= 25
    for route in posts:
        path = route.path.format(**{name: uuid.uuid4() for name in route.param_convertors})
        for token in ("", "0" * 64, stranger.csrf):
            answer = await owner.post(path, {"name": "x", "email": "a@b.example"}, csrf=token)
            assert answer.status_code == 403, f"{route.path} with {token!r}: {answer.status_code}"
            assert "csrf_rejected" in answer.text
    # Nothing was created by the refused forms.
    keys = await owner.get("/keys")
    assert "No API keys yet" in keys.text


async def test_sign_in_refuses_a_forged_form(client: httpx.AsyncClient, tenant: Tenant) -> None:
    attacker = ConsoleUser(client)
    answer = await attacker.post(
        "/sign-in", {"email": tenant.emails["OWNER"], "password": "Correct-Horse-42"}
    )
    assert answer.status_code == 403
    assert "aipair_session" not in set_cookies(answer)


@pytest.mark.parametrize("path", ["/sign-out", "/switch-company"])
async def test_session_forms_refuse_a_missing_token(
    client: httpx.AsyncClient, tenant: Tenant, path: str
) -> None:
    owner = await signed_in(client, tenant.emails["OWNER"])
    assert (await owner.post(path, {"company": tenant.slug}, csrf="")).status_code == 403
    assert (await owner.get("/account")).status_code == 200  # still signed in


async def test_session_cookie_is_http_only_secure_and_same_site(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = ConsoleUser(client)
    await user.get("/sign-in")
    answer = await user.post("/sign-in", {"email": tenant.emails["OWNER"], "password": "Correct-Horse-42"})
    cookie = set_cookies(answer)["aipair_session"]["aipair_session"]
    assert cookie["httponly"] is True and cookie["secure"] is True and cookie["samesite"] == "lax"


async def test_a_console_cookie_is_not_an_api_token(client: httpx.AsyncClient, tenant: Tenant) -> None:
    owner = await signed_in(client, tenant.emails["OWNER"])
    answer = await client.get(
        "/api/members", headers={"Authorization": f"Bearer {owner.cookies['aipair_session']}"}
    )
    assert answer.status_code == 401


async def test_signing_out_ends_the_session_everywhere(client: httpx.AsyncClient, tenant: Tenant) -> None:
    owner = await signed_in(client, tenant.emails["OWNER"])
    stolen = dict(owner.cookies)
    assert (await owner.post("/sign-out")).status_code == 303
    replay = ConsoleUser(client, cookies=stolen)
    answer = await replay.get("/dashboard")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


async def test_pages_below_the_role_answer_403(client: httpx.AsyncClient, tenant: Tenant) -> None:
    employee = await signed_in(client, tenant.emails["EMPLOYEE"])
    for path in ("/dashboard", "/members", "/keys", "/audit", "/platform/companies", "/operations"):
        assert (await employee.get(path)).status_code == 403, path


async def test_an_unknown_page_is_an_error_page_for_browsers_and_json_for_programs(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no/such/page", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and "There is no such page" in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = await client.get("/api/no-such-thing", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
