"""Account security in the console. A member changes their password on their account page: a wrong
current password, a guessable new one and two different new ones are each refused with the reason; the
change ends their session on another device, and the new password signs in. An owner's webhook: an
internal address is refused, a public one gets its signing secret, shown once."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.fixtures.tenants import PASSWORD, Tenant
from tests.web.browser import review, sign_in

NEW_PASSWORD = "Lantern-Orchard-Copper-64"


async def fill(page: Page, current: str, new: str, again: str | None = None) -> None:
    await page.get_by_label("Current password").fill(current)
    await page.get_by_label("New password", exact=True).fill(new)
    await page.get_by_label("New password again").fill(new if again is None else again)
    await page.get_by_role("button", name="Change password").click()


async def test_a_member_changes_their_password_and_their_other_session_ends(
    page: Page, browser: Browser, console_url: str, tenant: Tenant
) -> None:
    email = tenant.emails["MANAGER"]
    elsewhere = await (await browser.new_context(base_url=console_url)).new_page()
    await sign_in(elsewhere, email)
    await sign_in(page, email)
    await page.goto("/account")
    await review(page, "account-password")

    await fill(page, "Not-My-Password-1", NEW_PASSWORD)
    await expect(page.get_by_test_id("password-error")).to_contain_text("current password is not correct")
    await fill(page, PASSWORD, "Password123!")
    await expect(page.get_by_test_id("password-error")).to_contain_text("Choose another password")
    await fill(page, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    await expect(page.get_by_test_id("password-error")).to_contain_text("two new passwords differ")
    await review(page, "account-password-refused")

    await fill(page, PASSWORD, NEW_PASSWORD)
    await expect(page.get_by_role("status").first).to_contain_text("Your password was changed")
    await page.goto("/meetings")  # this session stays
    assert "/sign-in" not in page.url

    await elsewhere.goto("/meetings")  # the other one ended
    assert "/sign-in" in elsewhere.url
    await sign_in(elsewhere, email, NEW_PASSWORD)
    await elsewhere.context.close()


async def test_an_owner_sets_a_webhook_sees_its_secret_once_and_an_internal_address_is_refused(
    page: Page, tenant: Tenant
) -> None:
    await sign_in(page, tenant.emails["OWNER"])
    await page.goto("/settings/budget")
    webhook = page.get_by_label("Alert webhook URL")

    await webhook.fill("http://127.0.0.1:8080/hooks")
    await page.get_by_role("button", name="Save budget").click()
    await expect(page.get_by_test_id("error-message")).to_contain_text("public internet addresses only")

    await page.goto("/settings/budget")
    await webhook.fill("https://93.184.216.34/hooks")
    await page.get_by_role("button", name="Save budget").click()
    secret = await page.get_by_test_id("webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    await review(page, "budget-webhook-secret")
    await page.goto("/settings/budget")
    await expect(page.get_by_test_id("webhook-secret")).to_have_count(0)  # shown once
    await expect(webhook).to_have_value("https://93.184.216.34/hooks")
