"""A member changes their password on their account page: a wrong current password, a guessable new one
and two different new ones are each refused with the reason; the change ends their session on another
device, and the new password signs in."""

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
