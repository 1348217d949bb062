"""``X-Aipair-Company`` is for platform staff inside a support grant; AI calls refuse it outright."""

from __future__ import annotations

import httpx

from tests.fixtures.tenants import Tenant, make_api_key


async def test_a_customers_company_header_on_an_ai_call_is_refused_with_403(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    key = await make_api_key(client, tenant, scopes=["ai"])
    headers = {"Authorization": f"Bearer {key['key']}", "X-Aipair-Company": str(other_tenant.id)}

    for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
        body = (
            {"model": "local", "messages": [{"role": "user", "content": "hi"}]} if method == "POST" else None
        )
        response = await client.request(method, path, json=body, headers=headers)

        assert response.status_code == 403, f"{path}: {response.status_code}"
        error = response.json()["error"]
        assert error["code"] == "company_header_forbidden" and error["type"] == "permission_error"


async def test_a_signed_in_customer_is_refused_too(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.auth("OWNER"), "X-Aipair-Company": str(tenant.id)}

    response = await client.get("/v1/models", headers=headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "company_header_forbidden"
