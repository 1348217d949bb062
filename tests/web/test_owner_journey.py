"""An owner signs in, creates an API key, calls the AI gateway with it, and sees usage and cost
move on the dashboard."""

from __future__ import annotations

import httpx
from playwright.async_api import BrowserContext, Page, expect

from aipair.composition import Runtime
from tests.fixtures.tenants import Tenant
from tests.web.browser import review, sign_in


async def test_owner_creates_a_key_calls_the_gateway_and_sees_usage_move(
    page: Page, context: BrowserContext, console_url: str, tenant: Tenant, runtime: Runtime
) -> None:
    await sign_in(page, tenant.emails["OWNER"])
    assert page.url.endswith("/dashboard")
    await expect(page.get_by_test_id("requests")).to_have_text("0")
    await review(page, "dashboard-empty")

    await page.get_by_role("link", name="API keys").click()
    await page.get_by_label("Name").fill("Reporting robot")
    await page.get_by_role("button", name="Create key").click()
    secret = (await page.locator("#new-key-secret").inner_text()).strip()
    assert secret.startswith("aip_")
    await review(page, "keys-created")

    async with httpx.AsyncClient(base_url=console_url, timeout=30) as http:
        for _ in range(3):
            answer = await http.post(
                "/v1/chat/completions",
                headers={"Authorization": f"Bearer {secret}"},
                json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]},
            )
            assert answer.status_code == 200, answer.text

    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_test_id("requests")).to_have_text("3")
    cost = await page.get_by_test_id("cost").inner_text()
    assert cost != "$0.00" and cost.startswith("$")
    await expect(page.locator("#top-keys-title")).to_be_visible()
    await expect(page.get_by_text("Reporting robot").first).to_be_attached()
    await review(page, "dashboard")
