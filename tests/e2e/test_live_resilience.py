"""The live page stays true: another browser's decision, a deauthorization, a network that
drops for a minute, a tab left in the background for hours. The demo, both interpreters.

Every change reaches the page as it would in production: the sandbox delivers TikTok's
webhook to the session server's backend, which pushes it on the page's event stream.
Nobody waits: a test moves the shared clock (``time_passes``) where time must pass.

The background tab is emulated: headless Chromium (156) does not hide a page of its own
accord (a page stays "visible" when another tab is brought to the front or its window is
minimised, and ``Page.setWebLifecycleState`` "frozen" leaves a visible page running, its
timers and stream untouched: tried). So the test says the page is hidden the way the
browser says it, ``document.visibilityState`` and a ``visibilitychange`` event; the throttled
timers are the page's clock standing still meanwhile, and the hours the clock then jumps
(Playwright's ``fast_forward``: each due timer fires once, as a woken laptop's do).
"""

import re

import httpx2 as httpx
import pytest
from playwright.sync_api import expect

import tiktokshop_backend
from testsupport.browser import app_url, console_errors_of, route_outside_world
from testsupport.fixtures import watch_context
from testsupport.servers import run_server
from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH

from .returns_widget import WIDGET_TIMEOUT_MS, accept, pending_ids, rows, wait_for_requests
from .sandbox_control import (
    control,
    refuse_event_stream,
    start_shared_time,
    time_passes,
    without_the_refused_stream,
)

MAPLE, THAMES = "7495610000000000001", "7495610000000000002"
EVENTS = "/api/v1/events"
OFFLINE_NOTE = "You are offline."
# Longer than the library's longest backoff (tiktokshop_widgets.live.RETRY_CAP_S): a
# refused stream is tried again within it, whatever the backoff had grown to.
RETRY_CAP_MS = 70_000
# A change pushed on a stream that is up shows in well under a second; a stream left
# to come back by itself would take the backoff it had grown to (a minute, below).
AT_ONCE_MS = 10_000


def badge(page):
    return page.locator("#returns-badge")


def expect_waiting(page, count, timeout=None):
    """Badge, title and the Orders pointer all say ``count`` requests wait."""
    expect(badge(page)).to_contain_text(f"{count}, ", timeout=timeout)
    expect(page).to_have_title(re.compile(rf"^\({count}\) Seller app"))
    expect(page.locator("#returns-pointer-text")).to_contain_text(
        f"{count} requests await your response")


def open_live_returns(page, server, interpreter) -> int:
    """The Returns tab, its event stream up; how many requests wait."""
    start_shared_time(page, server)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    expect(page.locator("#returns-pointer")).to_have_attribute(
        "data-checked-at", re.compile(r"^[0-9]+$"), timeout=WIDGET_TIMEOUT_MS)
    waiting = rows(page).count()  # the widget's default filter: what awaits an answer
    expect_waiting(page, waiting)
    return waiting


@pytest.fixture
def second_browser(browser, server, mirror, files_checked):
    """Another browser (a context of its own: its own session cookie), the same seller."""
    context = watch_context(browser.new_context(), server, files_checked)
    outside = []
    route_outside_world(context, server, mirror, outside)
    page = context.new_page()
    yield page
    context.close()
    assert outside == []


def test_a_decision_made_in_another_browser_moves_this_pages_badge(
        page, second_browser, server, interpreter, fresh_sandbox, console_errors):
    waiting = open_live_returns(page, server, interpreter)
    page.evaluate("window.stillTheSamePage = true")
    other = second_browser
    other_errors = console_errors_of(other)
    start_shared_time(other, server)
    other.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(other)

    accept(other, pending_ids(other)[0])  # no clock moved, no reload

    expect_waiting(page, waiting - 1, timeout=WIDGET_TIMEOUT_MS)
    assert page.evaluate("window.stillTheSamePage") is True
    assert console_errors == [] and other_errors == []


def test_offline_for_a_minute_is_said_calmly_and_back_online_the_page_catches_up(
        page, context, server, interpreter, fresh_sandbox, console_errors):
    waiting = open_live_returns(page, server, interpreter)
    note = page.locator("#returns-offline")
    expect(note).to_be_hidden()

    context.set_offline(True)

    expect(note).to_contain_text(OFFLINE_NOTE)
    expect(page.locator("#returns-status")).to_be_hidden()  # no error wall: the widget stays
    expect(rows(page).first).to_be_visible()
    control(page, server, "returns", {"shop_id": MAPLE})  # a buyer asks meanwhile
    time_passes(page, server, 61)                          # a minute offline
    expect_waiting(page, waiting)  # nothing reached the page meanwhile

    with page.expect_request(lambda request: EVENTS in request.url, timeout=AT_ONCE_MS):
        context.set_offline(False)  # the feed again at once, not after a backoff

    expect(note).to_be_hidden()
    expect_waiting(page, waiting + 1, timeout=AT_ONCE_MS)  # the summary, refreshed
    accept(page, pending_ids(page)[0])  # the mounted widget still works
    expect_waiting(page, waiting)
    control(page, server, "returns", {"shop_id": MAPLE})  # and the stream is up again
    expect_waiting(page, waiting + 1, timeout=AT_ONCE_MS)
    # Only what Chromium logs of a request the dropped network failed (one the page or
    # the widget had in flight as it went, seen once in a full run on MicroPython).
    assert [error for error in console_errors if "ERR_INTERNET_DISCONNECTED" not in error] == []


# The page's visibility as the browser reports it, set from outside (see the module's
# docstring): what the page reads and the event it hears.
SET_VISIBILITY = """(visible) => {
  for (const [name, value] of [["visibilityState", visible ? "visible" : "hidden"],
                               ["hidden", !visible]]) {
    Object.defineProperty(document, name, { configurable: true, get: () => value });
  }
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_a_tab_back_from_hours_in_the_background_is_current_and_its_widget_works(
        page, server, interpreter, fresh_sandbox, console_errors):
    # The backend refuses the page's stream (too many live pages, say): the page polls,
    # and tries the stream again with a backoff.
    start_shared_time(page, server)
    refuse_event_stream(page)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    waiting = rows(page).count()
    expect_waiting(page, waiting, timeout=WIDGET_TIMEOUT_MS)

    page.evaluate(SET_VISIBILITY, False)
    control(page, server, "returns", {"shop_id": MAPLE})  # a buyer asks while it is hidden
    # Three hours in half-hour jumps, a throttled timer or two firing at each: each
    # brings a refused try at the stream, so the backoff grows to its cap; the widget's
    # tokens and the backend's summary cache expire many times over.
    for _ in range(6):
        with page.expect_response(lambda response: EVENTS in response.url,
                                  timeout=RETRY_CAP_MS):
            time_passes(page, server, 30 * 60)
    page.unroute("**" + EVENTS)  # the backend takes streams again

    page.evaluate(SET_VISIBILITY, True)  # the seller is back

    expect_waiting(page, waiting + 1, timeout=AT_ONCE_MS)  # current, without a reload
    control(page, server, "returns", {"shop_id": MAPLE})   # the stream up again at once
    expect_waiting(page, waiting + 2, timeout=AT_ONCE_MS)
    accept(page, pending_ids(page)[0])  # a widget token long expired: a new one is had
    expect_waiting(page, waiting + 1)
    assert without_the_refused_stream(console_errors) == []


# A deauthorization removes the demo seller's connection: a server of this module's own,
# connected again before each test (what the demo seller did at its first start).
@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with run_server(tmp_path_factory.mktemp("deauthorization"), "--cdn", "live") as running:
        yield running


def connect_demo_seller(server):
    """Connect and authorize both demo shops, the way a seller's browser does it."""
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        start = browser.get(tiktokshop_backend.START_PATH)
        state = httpx.URL(start.headers["location"]).params["state"]
        authorized = browser.post("/sandbox/control/authorize",
                                  json={"shop_ids": [MAPLE, THAMES], "state": state})
        assert authorized.status_code == 200, authorized.text
        callback = browser.get(authorized.json()["redirect_url"])
        assert callback.status_code == 302, callback.text


@pytest.fixture
def own_page(browser, own_server, mirror):
    connect_demo_seller(own_server)
    context = browser.new_context()
    outside = []
    route_outside_world(context, own_server, mirror, outside)
    page = context.new_page()
    yield page
    context.close()
    assert outside == []


def test_a_deauthorization_turns_the_returns_tab_into_connect_again_at_once(
        own_page, own_server, interpreter):
    page = own_page
    errors = console_errors_of(page)
    summaries = []
    page.on("response", lambda response: summaries.append(response)
            if RETURNS_SUMMARY_PATH in response.url else None)
    open_live_returns(page, own_server, interpreter)
    # The stream came up and its catch-up summary was answered: nothing of the page's is
    # still on its way, to be refused (403) once the shop is no longer the seller's.
    while len(summaries) < 2:
        page.wait_for_event("response", lambda response: RETURNS_SUMMARY_PATH in response.url,
                            timeout=WIDGET_TIMEOUT_MS)
    page.evaluate("window.stillTheSamePage = true")

    # The seller removed the app's authorization in TikTok Shop: TikTok tells the app.
    control(page, own_server, "revoke", {"shop_ids": [MAPLE]})  # no clock moved

    status = page.locator("#returns-status")
    expect(status).to_contain_text("Connect your TikTok Shop again", timeout=WIDGET_TIMEOUT_MS)
    expect(status.get_by_role("link", name="Connect your TikTok Shop")).to_have_attribute(
        "href", re.compile(re.escape(tiktokshop_backend.START_PATH)))
    expect(page.get_by_test_id("mr-root")).to_have_count(0)  # the widget is gone
    assert page.evaluate("window.stillTheSamePage") is True
    assert errors == []
