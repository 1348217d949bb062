"""The runbook's suspicious-activity query over ``auth.failed_logins`` runs unchanged as the owner."""

from __future__ import annotations

import httpx

from tests.auth.conftest import OwnerSql
from tests.fixtures.tenants import Tenant

# Copied verbatim from the runbook: it must keep working without edits.
RUNBOOK_SUSPICIOUS_LOGINS = """
SELECT user_id, count(*) as failed_attempts, max(created_at) as last_attempt
FROM auth.failed_logins 
WHERE created_at > NOW() - INTERVAL '1 hour'
GROUP BY user_id
HAVING count(*) > 10;
"""  # noqa: W291


async def fail_logins(client: httpx.AsyncClient, email: str, times: int) -> None:
    for _ in range(times):
        response = await client.post("/auth/login", json={"email": email, "password": "Not-The-Password-1"})
        assert response.status_code == 401, response.text


async def user_id(client: httpx.AsyncClient, tenant: Tenant, role: str) -> str:
    me = await client.get("/auth/user", headers=tenant.auth(role))
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


async def test_runbook_query_reports_the_account_with_eleven_failed_logins(
    client: httpx.AsyncClient, tenant: Tenant, owner_sql: OwnerSql
) -> None:
    attacked = await user_id(client, tenant, "EMPLOYEE")
    just_below = await user_id(client, tenant, "MANAGER")
    await fail_logins(client, tenant.emails["EMPLOYEE"], 11)
    await fail_logins(client, tenant.emails["MANAGER"], 10)

    rows = await owner_sql(RUNBOOK_SUSPICIOUS_LOGINS)

    by_user = {str(row["user_id"]): row for row in rows}
    assert attacked in by_user, rows
    assert by_user[attacked]["failed_attempts"] == 11
    assert by_user[attacked]["last_attempt"] is not None
    assert just_below not in by_user
