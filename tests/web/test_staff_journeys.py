"""Platform staff in the console: support without a grant sees nothing, opens one and acts inside the
company under a banner that the owner later finds in the support actions; a SUPER_ADMIN suspends a
company and its owner sees the suspended page."""

from __future__ import annotations

from playwright.async_api import Browser, Dialog, Page, expect

from aipair.composition import Runtime
from tests.fixtures.staff import make_staff
from tests.fixtures.tenants import Tenant
from tests.web.browser import DESKTOP, review, sign_in


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def test_support_sees_nothing_without_a_grant_then_acts_under_the_banner_and_the_owner_sees_it(
    page: Page, browser: Browser, console_url: str, tenant: Tenant, runtime: Runtime
) -> None:
    support = await make_staff(runtime, "SUPPORT")
    await sign_in(page, support.email)
    assert page.url.endswith("/platform/grants")
    await review(page, "platform-grants")

    await page.get_by_label("Company id").first.fill(str(tenant.id))
    await page.get_by_role("button", name="Enter company").click()
    await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert tenant.slug not in await page.content()
    await review(page, "error-not-found")

    await page.goto("/platform/grants")
    form = page.locator("form[action='/platform/grants']")
    await form.get_by_label("Company id").fill(str(tenant.id))
    await form.get_by_label("Reason").fill("Customer cannot find their usage")
    await form.get_by_label("Ticket reference").fill("T-4711")
    await form.get_by_label("Scope").select_option("write")
    await form.get_by_label("Duration in minutes").fill("30")
    await form.get_by_role("button", name="Open grant").click()
    await expect(page.get_by_role("status").first).to_contain_text("grant was opened")

    await page.get_by_role("button", name="Act inside").first.click()
    assert page.url.endswith("/dashboard")
    banner = page.get_by_test_id("support-banner")
    await expect(banner).to_contain_text(f"inside {tenant.slug.title()}")
    await expect(banner).to_contain_text("Access ends at")
    await review(page, "support-inside-company")
    await page.get_by_role("link", name="API keys").click()
    await expect(banner).to_be_visible()
    await banner.get_by_role("button", name="Leave company").click()
    await expect(page.get_by_test_id("support-banner")).to_have_count(0)
    increase = page.locator("form[action='/platform/limit-increases']")
    await increase.get_by_label("Company id").fill(str(tenant.id))
    await increase.get_by_label("Extra AI requests").fill("100")
    await increase.get_by_label("Reason").fill("Month-end reporting run")
    await increase.get_by_role("button", name="Raise limit").click()
    await expect(page.get_by_test_id("increase")).to_contain_text("from 50,000 to 50,100 until")

    owner = await (await browser.new_context(base_url=console_url, viewport=DESKTOP)).new_page()
    await sign_in(owner, tenant.emails["OWNER"])
    await owner.get_by_role("link", name="Audit log").click()
    await owner.get_by_role("link", name="What platform staff did in the company").click()
    actions = owner.get_by_test_id("support-action")
    await expect(actions.filter(has_text="GET /dashboard -> 200")).to_have_count(1)
    await expect(actions.filter(has_text="GET /keys -> 200")).to_have_count(1)
    await expect(actions.filter(has_text="-> 404")).to_have_count(1)  # the look without a grant
    await review(owner, "support-actions")
    await owner.get_by_role("link", name="Support access", exact=True).click()
    await expect(owner.get_by_role("cell", name="T-4711", exact=True)).to_be_visible()
    await review(owner, "support-access")
    await owner.context.close()


async def test_super_admin_suspends_a_company_and_its_owner_sees_the_suspended_page(
    page: Page, browser: Browser, console_url: str, tenant: Tenant, runtime: Runtime
) -> None:
    owner = await (await browser.new_context(base_url=console_url, viewport=DESKTOP)).new_page()
    await sign_in(owner, tenant.emails["OWNER"])

    admin = await make_staff(runtime, "SUPER_ADMIN")
    page.on("dialog", accept)
    await sign_in(page, admin.email)
    assert page.url.endswith("/platform/companies")
    await review(page, "platform-companies")
    await page.goto(f"/platform/companies/{tenant.id}")
    await expect(page.get_by_test_id("company-status")).to_have_text("ACTIVE")
    await page.get_by_role("button", name="Suspend company").click()
    await expect(page.get_by_test_id("company-status")).to_have_text("SUSPENDED")
    await review(page, "platform-company")
    await page.get_by_role("link", name="Security").click()
    await review(page, "platform-security")

    await owner.reload()
    await expect(owner.get_by_role("heading", name="Your company is suspended")).to_be_visible()
    assert owner.url.endswith("/dashboard")
    await review(owner, "suspended")
    fresh = await (await browser.new_context(base_url=console_url, viewport=DESKTOP)).new_page()
    await fresh.goto("/sign-in")
    await fresh.get_by_label("E-mail").fill(tenant.emails["OWNER"])
    await fresh.get_by_label("Password").fill("Correct-Horse-42")
    await fresh.get_by_role("button", name="Sign in").click()
    await expect(fresh.get_by_role("heading", name="Your company is suspended")).to_be_visible()
    for opened in (owner, fresh):
        await opened.context.close()
