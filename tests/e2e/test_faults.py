"""Faults injected on the wire while a seller opens Returns & Refunds.

For each one the page ends in a clear message naming the cause, a Retry that
recovers once the fault is gone, nothing half-mounted, and no uncaught error
from the project's own code. Faults are Playwright routes: abort, delay, wrong
status, wrong body.
"""

import time

import pytest
from playwright.sync_api import expect

from testsupport.browser import app_url
from .returns_widget import WIDGET_TIMEOUT_MS, pending_ids, row, wait_for_requests

TOKEN = "**/api/v1/widget/access_token?*"
WIDGET_KIT = "https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@*/dist/es/index.js"
RESOURCE_SEARCH = "https://api-widget-sg.tiktokshop.com/api/bso/v1/widget/resource_url/search"
MANIFEST = "**/sandbox/widgets/reverse/1.0.0/manifest.json"
ENTRY = "**/sandbox/widgets/reverse/1.0.0/remote-entry.js"
APPROVE = "**/sandbox/api/return_refund/202309/returns/*/approve"


class Fault:
    """A route that misbehaves while ``on``, and passes requests through after."""

    def __init__(self, page, pattern, misbehave):
        self.on = True
        self.hits = 0

        def handle(route):
            if self.on:
                self.hits += 1
                misbehave(route)
            else:
                route.fallback()

        page.route(pattern, handle)


def config_with(page, server, **changes):
    """Serve the page's pyscript.toml with some [tiktok_widgets] values changed."""

    def edit(route):
        text = route.fetch().text()
        for key, value in changes.items():
            text = text.replace("[tiktok_widgets]\n", f"[tiktok_widgets]\n{key} = {value}\n", 1)
        route.fulfill(body=text.replace('source = "sandbox"\n', "", 1 if "source" in changes else 0),
                      content_type="application/toml")

    page.route(server.url + "/pyscript.toml", edit)


def wait_until(page, condition, timeout=WIDGET_TIMEOUT_MS / 1000):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        page.wait_for_timeout(100)


def status(page):
    return page.locator("#returns-status")


def expect_failure(page, *words):
    expect(status(page)).to_have_attribute("data-state", "failed", timeout=WIDGET_TIMEOUT_MS)
    for text in words:
        expect(status(page)).to_contain_text(text)
    # Plain words only: no interpreter internals, no SDK tags, no traceback.
    for internal in ("pyodide", "JsException", "PythonError", "Traceback", "OpenWidget Runtime",
                     "Failed to fetch", "TypeError"):
        expect(status(page)).not_to_contain_text(internal)
    # Nothing half-mounted: no widget, an empty container.
    expect(page.locator("#returns-widget")).to_be_empty()
    expect(page.get_by_role("button", name="Retry")).to_be_visible()


def retry_recovers(page, fault):
    fault.on = False
    page.get_by_role("button", name="Retry").click()
    wait_for_requests(page)
    expect(status(page)).to_be_hidden()
    expect(page.get_by_test_id("mr-root")).to_have_count(1)


def uncaught(console_errors):
    """Uncaught errors and unhandled rejections (failed fetches are the faults themselves)."""
    return [e for e in console_errors if e.startswith("uncaught") or "Uncaught" in e]


def json_reply(status_code, body):
    return lambda route: route.fulfill(status=status_code, json=body)


TOKEN_FAULTS = {
    "http-500": (json_reply(500, {"code": 50000, "message": "token store unavailable", "data": None}),
                 ["Could not get access", "HTTP 500: token store unavailable"]),
    "http-401": (json_reply(401, {"code": 40100, "message": "sign in again", "data": None}),
                 ["Could not get access", "HTTP 401: sign in again"]),
    "not-json": (lambda route: route.fulfill(status=200, body="<html>proxy login</html>",
                                             content_type="text/html"),
                 ["Could not get access", "not a JSON object"]),
    "code-not-0": (json_reply(200, {"code": 36017009, "message": "shop not authorised", "data": None}),
                   ["Could not get access", "refused: shop not authorised (code 36017009)"]),
    "no-token": (json_reply(200, {"code": 0, "message": "success", "data": {"expire_at": "9999999999"}}),
                 ["Could not get access", "has no token"]),
    "expired": (lambda route: route.fulfill(json={"code": 0, "message": "success", "data": {
                    "token": "eyJhbGciOiJIUzUxMiJ9.e30.x", "expire_at": str(int(time.time()) - 60)}}),
                ["Could not get access", "already expired"]),
    "unreachable": (lambda route: route.abort("connectionrefused"),
                    ["Could not get access", "could not be reached"]),
}


@pytest.mark.parametrize("fault_name", TOKEN_FAULTS)
def test_token_endpoint_faults(page, server, interpreter, console_errors, fault_name):
    misbehave, words = TOKEN_FAULTS[fault_name]
    fault = Fault(page, TOKEN, misbehave)
    page.goto(app_url(server, interpreter, "#returns"))

    expect_failure(page, *words)
    retry_recovers(page, fault)
    assert uncaught(console_errors) == []


def test_a_token_endpoint_that_never_answers_times_out(page, server, console_errors):
    config_with(page, server, token_timeout=2)
    fault = Fault(page, TOKEN, lambda route: None)  # the request hangs
    page.goto(server.url + "/#returns")

    expect_failure(page, "Could not get access", "did not answer within 2 s")
    retry_recovers(page, fault)
    assert uncaught(console_errors) == []


def test_widget_kit_cdn_unreachable_then_back(page, server, console_errors):
    fault = Fault(page, WIDGET_KIT, lambda route: route.abort("internetdisconnected"))
    page.goto(server.url + "/#returns")

    expect_failure(page, "widget library could not be downloaded", "cdn.jsdelivr.net")
    retry_recovers(page, fault)
    assert uncaught(console_errors) == []


def test_resource_url_lookup_failing(page, server, console_errors):
    config_with(page, server, source='"tiktok"')
    fault = Fault(page, RESOURCE_SEARCH, json_reply(503, {"code": 1, "message": "busy"}))
    page.goto(server.url + "/#returns")

    expect_failure(page, "could not find the Returns & Refunds widget",
                   "Failed to get the latest version of the current widget")
    retry_recovers(page, fault)
    assert uncaught(console_errors) == []


@pytest.mark.parametrize("reply", [
    lambda route: route.fulfill(status=404, body="Not Found"),
    lambda route: route.fulfill(status=200, body='{"meta": {"type": "module", ',
                                content_type="application/json"),
], ids=["404", "malformed"])
def test_manifest_faults(page, server, console_errors, reply):
    fault = Fault(page, MANIFEST, reply)
    page.goto(server.url + "/#returns")

    expect_failure(page, "could not be loaded from TikTok Shop",
                   "(its manifest) is missing or malformed")
    retry_recovers(page, fault)
    assert uncaught(console_errors) == []


@pytest.mark.parametrize("reply", [
    lambda route: route.fulfill(status=404, body="Not Found"),
    lambda route: route.fulfill(status=200, body='throw new Error("widget build is broken");',
                                content_type="text/javascript",
                                headers={"access-control-allow-origin": "*"}),
], ids=["404", "throwing"])
def test_remote_entry_faults(page, server, console_errors, reply):
    # widget-kit keeps a failed entry for the page's lifetime; Retry must not get it back.
    fault = Fault(page, ENTRY, reply)
    page.goto(server.url + "/#returns")

    expect_failure(page, "(its entry script) could not be loaded from TikTok Shop",
                   "entry resource file failed to load")
    retry_recovers(page, fault)
    # The broken entry's own throw is the fault; nothing else may be uncaught.
    assert [e for e in uncaught(console_errors) if "widget build is broken" not in e] == []


def test_preload_failures_are_reported_not_unhandled(page, server, console_errors):
    warnings = []
    page.on("console", lambda msg: msg.type == "warning" and warnings.append(msg.text))
    Fault(page, MANIFEST, lambda route: route.fulfill(status=404, body="Not Found"))
    page.goto(server.url + "/")  # the Orders tab: only the page-start preload runs

    wait_until(page, lambda: any("Internal service error" in w for w in warnings))
    expect(status(page)).to_have_attribute("data-state", "loading")  # nothing shown for it
    assert uncaught(console_errors) == []


class Latency:
    """Every request but the page itself answered ``seconds`` late.

    Playwright's sync API has no timers, so held requests go on when the test
    pumps: ``latency.until(page, condition)`` instead of a blocking expect.
    """

    def __init__(self, page, seconds, except_url):
        self.seconds = seconds
        self.held = []  # (due time, route)
        page.route(lambda url: url != except_url, self.hold)

    def hold(self, route):
        self.held.append((time.monotonic() + self.seconds, route))

    def until(self, page, condition, timeout=120):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out under latency"
            now = time.monotonic()
            due = [route for at, route in self.held if at <= now]
            self.held = [(at, route) for at, route in self.held if at > now]
            for route in due:
                route.fallback()
            page.wait_for_timeout(50)


def test_three_seconds_of_latency_while_tabs_switch_quickly(page, server, console_errors):
    latency = Latency(page, 3, except_url=server.url + "/")
    page.goto(server.url + "/", wait_until="commit")
    latency.until(page, lambda: page.evaluate("document.body.dataset.tab") == "orders")

    returns, orders = (page.get_by_role("tab", name=n) for n in ("Returns & Refunds", "Orders"))
    for _ in range(3):  # while PyScript loads
        returns.click()
        orders.click()
    latency.until(page, lambda: page.evaluate("!!document.querySelector('script[type=py]')")
                  and page.locator("#returns-status").get_attribute("data-state") == "loading")
    returns.click()
    for _ in range(3):  # while the widget loads, once Python runs
        latency.until(page, lambda: bool(latency.held))
        orders.click()
        returns.click()

    latency.until(page, lambda: page.get_by_test_id("mr-row").count() > 0)
    expect(page.get_by_test_id("mr-root")).to_have_count(1)
    expect(status(page)).to_be_hidden()
    assert uncaught(console_errors) == []


def test_network_failing_during_accept_then_retry_records_one_decision(
        page, server, fresh_sandbox, console_errors):
    page.goto(server.url + "/#returns")
    wait_for_requests(page)
    return_id = pending_ids(page)[0]

    def reply_lost(route):
        route.fetch()  # the platform records the decision...
        route.abort("connectionreset")  # ...and the reply never arrives

    fault = Fault(page, APPROVE, reply_lost)
    row(page, return_id).get_by_test_id("mr-accept").click()
    expect(page.get_by_test_id("mr-error")).to_be_visible()
    fault.on = False
    page.get_by_test_id("mr-retry").click()

    expect(row(page, return_id)).to_have_attribute("data-status", "RETURN_OR_REFUND_REQUEST_SUCCESS")
    assert fault.hits == 1
    assert fresh_sandbox.decision_count(return_id) == 1
    assert uncaught(console_errors) == []


@pytest.mark.parametrize("unreachable", ["**/@pyscript/core@*/dist/core.js", "**/pyodide.mjs"],
                         ids=["pyscript", "interpreter"])
def test_python_that_cannot_start_is_said_so_instead_of_a_spinner(page, server, unreachable):
    page.route(unreachable, lambda route: route.abort("internetdisconnected"))
    page.goto(server.url + "/#returns")

    expect(status(page)).to_have_attribute("data-state", "failed", timeout=WIDGET_TIMEOUT_MS)
    expect(status(page)).to_contain_text("The app could not start")
    expect(page.get_by_role("button", name="Reload the page")).to_be_visible()
    page.unroute(unreachable)
    page.get_by_role("button", name="Reload the page").click()
    wait_for_requests(page)


def test_a_backend_the_pages_own_policy_blocks_is_named_for_the_developer(
        page, server, interpreter, console_errors):
    # The page names a backend on another origin, which its Content-Security-Policy lacks.
    page.route(server.url + "/pyscript.toml", lambda route: route.fulfill(
        body=route.fetch().text().replace('backend_url = "/"', 'backend_url = "https://backend.example/"'),
        content_type="application/toml"))
    warnings = []
    page.on("console", lambda msg: msg.type == "warning" and warnings.append(msg.text))
    page.goto(app_url(server, interpreter, "#returns"))

    expect(status(page)).to_have_attribute("data-state", "failed", timeout=WIDGET_TIMEOUT_MS)
    expect(status(page)).to_contain_text("Could not get your shops from the app's server.")
    # The seller's words: not their connection, nothing a retry would change, no browser internals.
    expect(status(page)).to_contain_text("The app's server could not be reached: this page's "
                                         "security settings do not allow it. This page is not set "
                                         "up to reach it; please tell the app's support.")
    expect(status(page)).not_to_contain_text("Failed to fetch")
    expect(status(page)).not_to_contain_text("connection")
    expect(page.get_by_role("button", name="Retry")).to_be_hidden()
    # The developer's, in the console: which policy and what to add.
    assert any(w.startswith("The page's Content-Security-Policy blocked "
                            "https://backend.example/api/v1/seller: its connect-src does not "
                            "allow https://backend.example. Add https://backend.example to the "
                            "policy's connect-src") for w in warnings), warnings
    # Chromium's own report of the refused request; nothing else.
    assert [e for e in console_errors if "Content Security Policy" not in e] == []
