"""Browser helpers of the console tests: sign in, check accessibility, keep screenshots for review."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, ViewportSize

from tests.fixtures.tenants import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
"""Left by ``make test`` for review: every main page at desktop and phone widths."""


async def sign_in(page: Page, email: str, password: str = PASSWORD, company: str = "") -> None:
    """Sign in through the form (the one on screen, if any) and land where it leads."""
    if "/sign-in" not in page.url:
        await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    if company:
        await page.get_by_label("Company").fill(company)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    assert "/sign-in" not in page.url, await page.locator("main").inner_text()


async def assert_accessible(page: Page) -> None:
    """Fail on every violation axe-core finds on the page as it is now."""
    results = await Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


async def review(page: Page, name: str) -> None:
    """Check the page with axe-core, then save it at desktop and phone widths (``var/screenshots``)."""
    await assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or DESKTOP
    await page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
    await page.set_viewport_size(PHONE)
    await assert_accessible(page)
    await page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
    await page.set_viewport_size(viewport)
