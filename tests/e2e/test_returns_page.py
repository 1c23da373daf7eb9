"""The demo page (index.html): Python drives widget-kit 1.0.4, on Pyodide and on
MicroPython (``?interpreter=micropython``).

jsDelivr is routed to the npm copies and widgets come from the sandbox, with an
explicit entry (the page's config) or through widget-kit's own lookup with
TikTok's resource host routed to the sandbox."""

import re

import pytest
from playwright.sync_api import expect

from testsupport.servers import run_server
from testsupport.versions import locked_version
from testsupport.browser import app_url, console_errors_of, route_outside_world
from .returns_widget import (
    WIDGET_TIMEOUT_MS,
    accept,
    pending_ids,
    reject,
    row,
    show_all,
    wait_for_requests,
)

RESOURCE_SEARCH = "https://api-widget-sg.tiktokshop.com/api/bso/v1/widget/resource_url/search"
INTERPRETER_URLS = {
    "pyodide": f"https://cdn.jsdelivr.net/pyodide/v{locked_version('pyodide')}/full/pyodide.mjs",
    "micropython": "https://cdn.jsdelivr.net/npm/@micropython/micropython-webassembly-pyscript@"
                   f"{locked_version('@micropython/micropython-webassembly-pyscript')}/micropython.mjs",
}


def open_returns(page, server, interpreter="pyodide"):
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)


def returns_tab(page):
    return page.get_by_role("tab", name="Returns & Refunds")


def orders_tab(page):
    return page.get_by_role("tab", name="Orders")


def test_python_mounts_the_widget_from_the_sandbox_entry(page, server, interpreter, console_errors,
                                                         outside_requests):
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(app_url(server, interpreter))
    expect(orders_tab(page)).to_have_attribute("aria-selected", "true")
    returns_tab(page).click()

    wait_for_requests(page)
    expect(page).to_have_url(re.compile(r"#returns$"))
    expect(page.get_by_test_id("mr-root")).to_have_count(1)
    expect(page.locator("#returns-status")).to_be_hidden()
    # The interpreter PyScript core brings is the one package-lock.json pins.
    assert INTERPRETER_URLS[interpreter] in loaded
    assert console_errors == [] and outside_requests == []


def test_python_mounts_the_widget_through_tiktoks_lookup(page, server, console_errors,
                                                         outside_requests):
    searches = []
    page.on("request", lambda request: request.url == RESOURCE_SEARCH and searches.append(request))

    def tiktok_source(route):
        config = route.fetch().text().replace('source = "sandbox"', 'source = "tiktok"')
        route.fulfill(body=config, content_type="application/toml")

    page.route(server.url + "/pyscript.toml", tiktok_source)
    open_returns(page, server)

    assert len(searches) == 1
    assert console_errors == [] and outside_requests == []


def test_accept_and_reject_with_a_reason_are_kept_after_a_reload(page, server, interpreter,
                                                                  fresh_sandbox, console_errors):
    open_returns(page, server, interpreter)
    accepted, rejected = pending_ids(page)[:2]

    accept(page, accepted)
    # The Python callback got the widget's result and wrote the activity line.
    expect(page.locator("#returns-activity")).to_have_text(
        f"Return {accepted}: refund approved.")
    reason = reject(page, rejected)
    expect(page.locator("#returns-activity")).to_have_text(
        re.compile(rf"Return {rejected}: (refund|return|replacement) rejected\."))

    page.reload()
    wait_for_requests(page)
    show_all(page)
    expect(row(page, accepted)).to_have_attribute("data-status", "RETURN_OR_REFUND_REQUEST_SUCCESS")
    expect(row(page, rejected)).to_have_attribute("data-status", "RETURN_OR_REFUND_REQUEST_REJECT")
    expect(row(page, rejected).get_by_test_id("mr-decision")).to_contain_text(reason)
    assert console_errors == []


def test_twenty_tab_switches_leave_exactly_one_widget(page, server, interpreter, console_errors):
    open_returns(page, server, interpreter)
    for _ in range(20):
        orders_tab(page).click()
        returns_tab(page).click()

    wait_for_requests(page)
    expect(page.get_by_test_id("mr-root")).to_have_count(1)
    expect(page.locator("#returns-widget > *")).to_have_count(1)
    expect(page.locator("#returns-status")).to_be_hidden()
    orders_tab(page).click()
    expect(page.locator("#returns-widget")).to_be_empty()  # unmounted when hidden
    assert console_errors == []


def test_tabs_follow_the_aria_pattern_from_the_keyboard(page, server):
    page.goto(server.url + "/")
    orders_tab(page).focus()
    page.keyboard.press("ArrowRight")

    expect(returns_tab(page)).to_be_focused()
    expect(returns_tab(page)).to_have_attribute("aria-selected", "true")
    expect(orders_tab(page)).to_have_attribute("tabindex", "-1")
    expect(page.locator("#panel-returns")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#returns$"))
    wait_for_requests(page)

    page.keyboard.press("Home")
    expect(orders_tab(page)).to_be_focused()
    expect(page.locator("#panel-orders")).to_be_visible()
    expect(page.locator("#returns-widget")).to_be_empty()


def test_the_shell_paints_and_keeps_a_click_made_before_python_is_ready(page, server):
    held = []
    page.route("**/pyodide.asm.wasm", lambda route: held.append(route))  # held until the click
    page.goto(server.url + "/")

    expect(page.get_by_role("banner")).to_contain_text("Seller Suite")
    expect(page.locator("#panel-orders .pointer")).to_be_visible()
    for _ in range(200):  # until PyScript asks for the interpreter: it is loading now
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "PyScript never asked for the interpreter"
    returns_tab(page).click()
    expect(page.locator("#returns-status")).to_contain_text("Loading Returns & Refunds")
    expect(page.get_by_test_id("mr-root")).to_have_count(0)

    for route in held:
        route.fallback()
    wait_for_requests(page)


def test_a_failure_shows_its_cause_and_retry_recovers(page, server):
    console = []
    page.on("console", lambda message: console.append(message.text))
    failing = {"on": True}

    def token_endpoint(route):
        if failing["on"]:
            route.fulfill(status=500, json={"code": 50000, "message": "token store unavailable",
                                            "data": None})
        else:
            route.fallback()

    page.route("**/api/v1/widget/access_token?*", token_endpoint)
    page.goto(server.url + "/#returns")

    status = page.locator("#returns-status")
    expect(status).to_contain_text("Could not get access", timeout=WIDGET_TIMEOUT_MS)
    expect(status).to_contain_text("HTTP 500: token store unavailable")
    expect(page.get_by_test_id("mr-root")).to_have_count(0)
    failing["on"] = False
    page.get_by_role("button", name="Retry").click()

    wait_for_requests(page)
    expect(status).to_be_hidden()
    assert not any("Traceback" in text for text in console)  # warnings included


@pytest.fixture(scope="module")
def short_token_server(tmp_path_factory):
    with run_server(tmp_path_factory.mktemp("short-tokens"), "--cdn", "live",
                    "--token-ttl", "4") as running:
        yield running


def test_an_expiring_token_is_replaced_through_the_backend_without_a_reload(
        browser, short_token_server, mirror, interpreter):
    context = browser.new_context()
    route_outside_world(context, short_token_server, mirror, [])
    page = context.new_page()
    errors = console_errors_of(page)
    token_requests = []
    page.on("request", lambda r: "/api/v1/widget/access_token" in r.url and token_requests.append(r))
    page.goto(app_url(short_token_server, interpreter, "#returns"))
    wait_for_requests(page)
    page.evaluate("window.sameDocument = true")
    issued = len(token_requests)

    page.wait_for_timeout(4500)  # the token the widget holds has expired
    page.get_by_test_id("mr-refresh").click()
    wait_for_requests(page)

    expect(page.get_by_test_id("mr-error")).to_have_count(0)
    assert len(token_requests) > issued
    assert page.evaluate("window.sameDocument") is True
    assert errors == []
    context.close()


def test_the_pointer_to_returns_leaves_focus_on_the_returns_tab(page, server):
    page.goto(server.url + "/#nonsense")
    expect(page).to_have_url(re.compile(r"#orders$"))  # no URL for a tab that does not exist
    page.get_by_role("link", name="Open Returns & Refunds").press("Enter")

    expect(returns_tab(page)).to_have_attribute("aria-selected", "true")
    expect(returns_tab(page)).to_be_focused()
