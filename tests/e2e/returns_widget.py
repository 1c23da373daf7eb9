"""What a seller does in the ManageReturns widget, as Playwright steps.

    return_id = accept_first_request(page)
    expect(row(page, return_id)).to_have_attribute("data-status", APPROVED_REFUND)
"""

import re

from playwright.sync_api import Page, expect

PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
WIDGET_TOKEN_TTL_S = 300  # the sandbox's default widget_token_ttl
WIDGET_TIMEOUT_MS = 30_000  # Pyodide's first start on a cold, busy CI machine


def rows(page: Page):
    return page.get_by_test_id("mr-row")


def row(page: Page, return_id: str):
    return page.locator(f'[data-testid="mr-row"][data-return-id="{return_id}"]')


def wait_for_requests(page: Page):
    """Wait until the widget lists return requests, each with the buyer's reason."""
    expect(rows(page).first).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
    expect(rows(page).first.get_by_test_id("mr-reason")).not_to_be_empty()


def pending_ids(page: Page) -> list[str]:
    pending = page.locator(f'[data-testid="mr-row"][data-status="{PENDING}"]')
    return [pending.nth(i).get_attribute("data-return-id") for i in range(pending.count())]


def accept(page: Page, return_id: str) -> None:
    target = row(page, return_id)
    target.get_by_test_id("mr-accept").click()
    expect(target).not_to_have_attribute("data-status", PENDING)


def reject(page: Page, return_id: str, comment: str = "") -> str:
    """Reject with the first reason offered; returns that reason's text."""
    target = row(page, return_id)
    target.get_by_test_id("mr-reject").click()
    reason = target.get_by_test_id("mr-reject-reason")
    expect(reason).to_be_enabled()
    reason.select_option(index=1)
    reason_text = reason.locator("option:checked").inner_text()
    if comment:
        target.get_by_test_id("mr-reject-comment").fill(comment)
    target.get_by_test_id("mr-reject-confirm").click()
    expect(target).to_have_attribute("data-status", "RETURN_OR_REFUND_REQUEST_REJECT")
    return reason_text


def show_all(page: Page) -> None:
    page.get_by_test_id("mr-filter").select_option("all")


def keeps_working_across_token_lifetimes(page: Page, lifetimes: int, let_a_lifetime_pass) -> None:
    """After each of ``lifetimes`` calls of ``let_a_lifetime_pass``: a decision with the
    token the widget holds, then a fresh mount of the widget; no token error shown."""
    orders = page.get_by_role("tab", name=re.compile("Orders"))
    returns = page.get_by_role("tab", name=re.compile("Returns & Refunds"))
    for _ in range(lifetimes):
        let_a_lifetime_pass()
        accept(page, pending_ids(page)[0])
        expect(page.get_by_test_id("mr-error")).to_have_count(0)
        orders.click()
        returns.click()
        wait_for_requests(page)
    expect(page.get_by_text(re.compile("expired|getToken|Could not"))).to_have_count(0)
