"""axe-core (pinned in package-lock.json) over every state of the demo page, on both
interpreters: no violation of WCAG 2.1 A/AA or axe's best practices.

States: loading (Python not started yet), failed with Retry, Orders (the shop
switcher, the badge and the due-time pointer shown), Returns with the widget,
and "Connect your TikTok Shop again". The widget's own markup is the sandbox's
stand-in for TikTok's, and is checked with the rest.
"""

from playwright.sync_api import expect

from testsupport.browser import app_url

from .axe import violations
from .returns_widget import WIDGET_TIMEOUT_MS, wait_for_requests

def test_orders_and_returns_with_the_widget(page, server, interpreter):
    page.goto(app_url(server, interpreter, "#orders"))
    expect(page.get_by_role("tab", name="Orders")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("combobox", name="Shop")).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
    expect(page.locator("#returns-badge")).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
    expect(page.locator("#returns-pointer")).to_contain_text("await your response")
    assert violations(page) == []

    page.get_by_role("tab", name="Returns & Refunds").click()
    wait_for_requests(page)
    assert violations(page) == []


def test_loading_before_python_starts(page, server, interpreter):
    held = []
    interpreter_file = "**/pyodide.asm.wasm" if interpreter == "pyodide" else "**/micropython.wasm"
    page.route(interpreter_file, lambda route: held.append(route))  # held: Python never starts here
    page.goto(app_url(server, interpreter, "#returns"))

    expect(page.locator("#returns-status")).to_have_attribute("data-state", "loading")
    expect(page.locator("#returns-status")).to_contain_text("Loading Returns & Refunds")
    assert violations(page) == []
    for route in held:
        route.abort()


def test_failed_with_retry(page, server, interpreter):
    page.route("**/api/v1/widget/access_token?*", lambda route: route.fulfill(
        status=500, json={"code": 50000, "message": "token store unavailable", "data": None}))
    page.goto(app_url(server, interpreter, "#returns"))

    expect(page.locator("#returns-status")).to_have_attribute("data-state", "failed",
                                                              timeout=WIDGET_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    assert violations(page) == []


def test_asked_to_connect_again(page, server, interpreter):
    page.route("**/api/v1/seller", lambda route: route.fulfill(status=401, json={
        "code": 40101, "message": "connect your shop again",
        "data": {"connect_url": "/auth/tiktok/start"}}))
    page.goto(app_url(server, interpreter, "#returns"))

    expect(page.locator("#returns-status")).to_contain_text("Connect your TikTok Shop again",
                                                            timeout=WIDGET_TIMEOUT_MS)
    expect(page.get_by_role("banner").get_by_role("link", name="Connect your TikTok Shop")) \
        .to_be_visible()
    assert violations(page) == []
