"""The remaining pages, used as a person would: members and invitations, budget, AI settings, the audit
log and its export, operations, the account page, and a session that ended."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, BrowserContext, Dialog, Page, expect

from aipair.composition import Runtime
from tests.fixtures.staff import make_staff
from tests.fixtures.tenants import Tenant
from tests.web.browser import review, sign_in


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def test_owner_manages_members_budget_and_ai_settings_and_reads_the_audit_log(
    page: Page, tenant: Tenant
) -> None:
    page.on("dialog", accept)
    await sign_in(page, tenant.emails["OWNER"])
    # The session cookie is never readable from script.
    assert await page.evaluate("document.cookie") == ""

    await page.get_by_role("link", name="Members").click()
    await page.get_by_label("E-mail").fill(f"new.hire.{tenant.slug}@example.com")
    await page.get_by_label("Name", exact=True).fill("New Hire")
    await page.get_by_role("button", name="Add member").click()
    await expect(page.get_by_test_id("invitation")).to_be_visible()
    employee = page.get_by_test_id("member").filter(has_text=tenant.emails["EMPLOYEE"])
    await employee.get_by_label("Role of").select_option("MANAGER")
    await employee.get_by_role("button", name="Change role").click()
    await expect(page.get_by_role("status").first).to_contain_text("role was changed")
    changed = page.get_by_test_id("member").filter(has_text=tenant.emails["EMPLOYEE"])
    await expect(changed).to_contain_text("MANAGER")
    await review(page, "members")

    await page.get_by_role("link", name="Budget").click()
    await page.get_by_label("Monthly budget in USD").fill("25")
    await page.get_by_label("Alert thresholds").fill("50, 90")
    await page.get_by_role("button", name="Save budget").click()
    await expect(page.get_by_test_id("budget")).to_have_text("$25.00")
    await review(page, "budget")
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_test_id("gauge-1")).to_contain_text("of $25.00")
    await expect(page.get_by_test_id("gauge-1")).to_contain_text("alerts at 50%, 90%")

    await page.get_by_role("link", name="AI settings").click()
    await page.get_by_label("Model name").fill("team-default")
    await page.get_by_label("Provider's model").fill("gpt-4o-mini")
    await page.get_by_role("button", name="Save alias").click()
    await expect(page.get_by_role("cell", name="team-default", exact=True)).to_be_visible()
    await review(page, "ai-settings")

    await page.get_by_role("link", name="Audit log").click()
    await expect(page.get_by_text("tenancy.budget.update")).to_be_visible()
    await page.get_by_label("Action starts with").fill("tenancy.member")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("tenancy.budget.update")).to_have_count(0)
    await expect(page.get_by_text("tenancy.member.update")).to_be_visible()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Export as CSV").click()
    exported = (await (await download.value).path()).read_text()
    assert "tenancy.member.update" in exported and "tenancy.budget.update" not in exported
    await review(page, "audit")

    await page.get_by_role("link", name="API keys").click()
    await review(page, "keys")
    await page.goto("/account")
    await review(page, "account")


async def reload_until(page: Page, test_id: str) -> None:
    """Reload until the element shows (maintenance reaches the server within a second or so)."""
    for _ in range(40):
        await page.reload()
        if await page.get_by_test_id(test_id).count():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{test_id} never showed on {page.url}")


async def test_platform_admin_runs_operations_and_customers_see_the_maintenance_page(
    page: Page, browser: Browser, console_url: str, runtime: Runtime, tenant: Tenant
) -> None:
    customer = await (await browser.new_context(base_url=console_url)).new_page()
    await sign_in(customer, tenant.emails["MANAGER"])
    admin = await make_staff(runtime, "SUPER_ADMIN")
    page.on("dialog", accept)
    await sign_in(page, admin.email)
    await page.get_by_role("link", name="Operations").click()
    database = page.get_by_test_id("component").filter(has_text="Database")
    await expect(database).to_contain_text("ok")
    await expect(database).to_contain_text("migration")
    await page.get_by_label("Title").fill("Slow dashboards for one customer")
    await page.get_by_role("button", name="Open incident").click()
    incident = page.get_by_test_id("incident").filter(has_text="Slow dashboards")
    await expect(incident).to_contain_text("open")
    await incident.get_by_role("button", name="Acknowledge").click()
    await expect(page.get_by_test_id("incident").filter(has_text="Slow dashboards")).to_contain_text(
        "acknowledged"
    )
    await review(page, "operations")

    await (
        page.locator("form[action='/operations/maintenance/on']")
        .get_by_label("Reason")
        .fill("Database upgrade")
    )
    await page.get_by_role("button", name="Start emergency maintenance").click()
    await expect(page.get_by_test_id("maintenance-state")).to_contain_text("In maintenance")
    try:
        await reload_until(customer, "maintenance")
        answer = await customer.request.get("/dashboard", headers={"accept": "text/html"})
        assert answer.status == 503 and int(answer.headers["retry-after"]) > 0
        await review(customer, "maintenance")
        await page.reload()  # staff keep working in the console
        await expect(page.get_by_test_id("maintenance-state")).to_contain_text("In maintenance")
    finally:
        await page.get_by_role("button", name="End maintenance now").click()
    await expect(page.get_by_test_id("maintenance-state")).to_contain_text("Not in maintenance")
    await reload_until(customer, "requests")
    await customer.context.close()


async def test_an_ended_session_goes_to_sign_in_and_back_to_the_page_asked_for(
    page: Page, context: BrowserContext, console_url: str, tenant: Tenant
) -> None:
    await page.goto("/members")
    assert "/sign-in?next=/members" in page.url
    await review(page, "sign-in")
    await sign_in(page, tenant.emails["ADMIN"])
    assert page.url.endswith("/members")

    # The session ends (here: its cookie no longer verifies); the next page asks to sign in again.
    cookie = next(c for c in await context.cookies() if c["name"] == "aipair_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    await context.add_cookies([{**cookie, "value": cookie["value"][:-4] + "AAAA"}])  # type: ignore[typeddict-item]
    await page.goto("/keys?limit=10")
    assert "/sign-in?next=/keys%3Flimit%3D10" in page.url
    await sign_in(page, tenant.emails["ADMIN"])
    assert page.url.endswith("/keys?limit=10")


async def test_invited_people_create_their_account_or_join_and_switch_company(
    page: Page, browser: Browser, console_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    await sign_in(page, tenant.emails["OWNER"])
    await page.goto("/members")
    await page.get_by_label("E-mail").fill(f"fresh.{tenant.slug}@example.com")
    await page.get_by_role("button", name="Add member").click()
    link = await page.get_by_test_id("invitation-link").inner_text()
    await page.get_by_label("E-mail").fill(other_tenant.emails["MANAGER"])  # has an account elsewhere
    await page.get_by_label("Role", exact=True).select_option("EMPLOYEE")
    await page.get_by_role("button", name="Add member").click()
    code = await page.locator("#invitation-token").inner_text()

    newcomer = await (await browser.new_context(base_url=console_url)).new_page()
    await newcomer.goto(link)
    await newcomer.get_by_label("Your name").fill("Fresh Face")
    await newcomer.get_by_label("Choose a password").fill("Brand-New-Pass-91")
    await review(newcomer, "invitation")
    await newcomer.get_by_role("button", name="Create my account").click()
    await expect(newcomer.get_by_role("status").first).to_contain_text("Your account is ready")
    await sign_in(newcomer, f"fresh.{tenant.slug}@example.com", "Brand-New-Pass-91")
    assert newcomer.url.endswith("/meetings")
    await newcomer.context.close()

    existing = await (await browser.new_context(base_url=console_url)).new_page()
    await sign_in(existing, other_tenant.emails["MANAGER"])
    await existing.goto("/account")
    await existing.get_by_label("Invitation code").fill(code)
    await existing.get_by_role("button", name="Join").click()
    await expect(existing.get_by_role("status").first).to_contain_text("You joined the company")
    await expect(existing.get_by_test_id("company-name")).to_have_text(other_tenant.slug)
    await existing.get_by_label("Company").select_option(tenant.slug)
    await existing.get_by_role("button", name="Switch").click()
    await expect(existing.get_by_test_id("company-name")).to_have_text(tenant.slug)
    assert existing.url.endswith("/meetings")  # an EMPLOYEE there
    await existing.context.close()
