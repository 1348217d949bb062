"""An employee uploads a transcript, watches the job finish without reloading, and confirms an
action item from the minutes."""

from __future__ import annotations

from playwright.async_api import Page, expect

from aipair.composition import Runtime
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import add_named_member
from tests.web.browser import review, sign_in

SAMPLE = "tests/meetings/samples/product_sync.txt"


async def test_employee_uploads_watches_the_job_and_confirms_an_action_item(
    page: Page, tenant: Tenant, runtime: Runtime
) -> None:
    await add_named_member(runtime, tenant, "Bob Chen")
    await sign_in(page, f"bob.chen.{tenant.slug}@example.com")
    assert page.url.endswith("/meetings")
    await expect(page.get_by_text("No meetings yet")).to_be_visible()
    await review(page, "meetings-empty")

    await page.get_by_label("Transcript or audio").set_input_files(SAMPLE)
    await page.get_by_label("Title (optional)").fill("Weekly product sync")
    await page.get_by_role("button", name="Upload").click()
    await page.wait_for_url("**/meetings/*")
    # The state changes in place (polled, no reload), then the page shows the minutes once done.
    await page.evaluate("window.sameDocument = true")
    status = page.get_by_test_id("meeting-status")
    await expect(status).to_have_text("analysing", timeout=30_000)
    await expect(page.get_by_test_id("meeting-stage")).to_have_text("chunk 0/1")
    assert await page.evaluate("window.sameDocument === true"), "the page reloaded to show the state"
    await expect(status).to_have_text("done", timeout=60_000)
    await expect(page.get_by_role("heading", name="Action items")).to_be_visible()
    mine = page.get_by_test_id("action-item").filter(has_text="Bob Chen")
    await expect(mine.first).to_be_visible()
    await review(page, "meeting-minutes")

    await mine.first.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("status").first).to_contain_text("action item was updated")
    await expect(mine.first.get_by_test_id("item-status")).to_have_text("confirmed")

    await page.get_by_role("link", name="My action items").click()
    await expect(page.get_by_test_id("action-item").first).to_contain_text("confirmed")
    await review(page, "my-action-items")
    await page.get_by_role("link", name="Meetings").click()
    await review(page, "meetings")
