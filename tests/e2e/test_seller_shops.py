"""The page configures itself from the backend: the seller's shops, switching in place, reconnecting.

The dev server's demo seller is connected to Maple & Co (US) and Thames Home
Goods (GB). The current shop is kept in the browser's session, so a switch in
one test's context is not seen by another's. Reconnecting moves the sandbox's
clock, so it runs on a server of its own.
"""

import re

import pytest
from playwright.sync_api import expect

from testsupport.browser import app_url, console_errors_of, route_outside_world
from testsupport.servers import run_server

from .returns_widget import WIDGET_TIMEOUT_MS, accept, pending_ids, rows, wait_for_requests
from .sandbox_control import control, refuse_event_stream, without_the_refused_stream

MAPLE, THAMES = "7495610000000000001", "7495610000000000002"
DAY = 24 * 3600


def shop_switcher(page):
    return page.get_by_role("banner").get_by_role("combobox", name="Shop")


def badge_count(page):
    return page.locator("#returns-badge-count")


def test_the_seller_switches_shops_and_the_widget_follows_without_a_reload(
        page, server, interpreter, fresh_sandbox, console_errors):
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    expect(shop_switcher(page)).to_have_value(MAPLE)
    # Both shops are seeded alike: one answer in Maple & Co makes their counts differ.
    maple_waiting = rows(page).count() - 1  # the widget's default filter: what awaits an answer
    accept(page, pending_ids(page)[0])
    expect(badge_count(page)).to_have_text(str(maple_waiting))
    expect(page).to_have_title(re.compile(rf"^\({maple_waiting}\) Seller app · Maple & Co$"))
    maple_rows = rows(page).evaluate_all("rows => rows.map(row => row.dataset.returnId)")
    page.evaluate("window.stillTheSamePage = true")

    shop_switcher(page).select_option(THAMES)

    page.wait_for_function(
        "maple => { const shown = [...document.querySelectorAll('[data-testid=mr-row]')];"
        " return shown.length > 0 && shown.every(row => !maple.includes(row.dataset.returnId)); }",
        arg=maple_rows, timeout=WIDGET_TIMEOUT_MS)
    thames_waiting = rows(page).count()
    assert thames_waiting != maple_waiting
    expect(badge_count(page)).to_have_text(str(thames_waiting))  # the summary follows the shop
    expect(page).to_have_title(re.compile(rf"^\({thames_waiting}\) Seller app · Thames Home Goods$"))
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_test_id("mr-root")).to_have_count(1)
    expect(page.locator("#shop-message")).to_be_empty()

    page.reload()  # the backend keeps the seller's choice for this browser
    expect(shop_switcher(page)).to_have_value(THAMES, timeout=WIDGET_TIMEOUT_MS)
    wait_for_requests(page)
    assert console_errors == []


def test_a_failed_switch_is_said_in_plain_words_until_the_backend_answers_again(
        page, server, interpreter, console_errors):
    # No event stream: a summary it brought would clear the message at a time of its own.
    refuse_event_stream(page)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    backend_down = True

    def switch(route):
        if backend_down:
            route.abort("connectionrefused")
        else:
            route.fallback()

    page.route(server.url + "/api/v1/seller/current_shop", switch)
    shop_switcher(page).select_option(THAMES)

    message = page.locator("#shop-message")
    expect(message).to_have_text("Could not switch shops: The app's server could not be reached.")
    expect(shop_switcher(page)).to_have_value(MAPLE)  # the shop shown stays
    backend_down = False
    # The page is seen again: the summary it then asks for comes, and the failure is old news.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(message).to_be_empty()
    # The refused switch and the refused stream, which Chromium logs; nothing else.
    assert [e for e in without_the_refused_stream(console_errors)
            if "ERR_CONNECTION_REFUSED" not in e] == []


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with run_server(tmp_path_factory.mktemp("reconnect"), "--cdn", "live") as running:
        yield running


@pytest.fixture
def own_page(browser, own_server, mirror):
    context = browser.new_context()
    outside = []
    route_outside_world(context, own_server, mirror, outside)
    page = context.new_page()
    yield page, outside
    context.close()


def test_a_lapsed_connection_asks_to_connect_again_and_connecting_shows_the_returns(
        own_page, own_server, interpreter):
    page, outside = own_page
    errors = console_errors_of(page)
    # TikTok revoked the app's refresh tokens, and the access tokens have expired since.
    control(page, own_server, "revoke", {"all": True})
    control(page, own_server, "clock", {"advance": 8 * DAY})

    page.goto(app_url(own_server, interpreter, "#returns"))

    status = page.locator("#returns-status")
    expect(status).to_contain_text("Connect your TikTok Shop again", timeout=WIDGET_TIMEOUT_MS)
    connect = status.get_by_role("link", name="Connect your TikTok Shop")
    expect(connect).to_be_visible()
    connect.click()
    # TikTok's authorize page (the sandbox's): the seller picks the shops and authorizes.
    for shop_name in ("Maple & Co", "Thames Home Goods"):
        page.get_by_label(re.compile(shop_name)).check()
    page.get_by_role("button", name=re.compile("Authorize")).click()

    expect(page).to_have_url(re.compile(re.escape(own_server.url) + r"/"))
    page.goto(app_url(own_server, interpreter, "#returns"))
    wait_for_requests(page)
    expect(shop_switcher(page)).to_have_value(MAPLE)
    # Only the backend's 401s that asked for the connection, which Chromium logs.
    assert [e for e in errors if "status of 401 (Unauthorized)" not in e] == []
    assert outside == []


@pytest.mark.browser_context_args(locale="en-US", timezone_id="America/New_York")
def test_a_connection_ending_soon_asks_to_reconnect_before_then_and_the_widget_works(
        page, server, interpreter, console_errors):
    # The backend's who-am-I says when the seller's connection ends (within 7 days).
    def ends_soon(route):
        reply = route.fetch()
        body = reply.json()
        body["data"]["reconnect_by"] = "2026-01-24T03:00:00Z"
        route.fulfill(response=reply, json=body)

    page.route(server.url + "/api/v1/seller", ends_soon)
    page.goto(app_url(server, interpreter, "#returns"))

    # In the seller's own time zone: 10 p.m. the day before, in New York.
    reconnect = page.get_by_role("banner").get_by_role(
        "link", name="Reconnect before Jan 23, 2026, 10:00 PM")
    expect(reconnect).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
    expect(reconnect).to_have_attribute("href", re.compile(r"/auth/tiktok/start$"))
    wait_for_requests(page)  # the widget works meanwhile
    assert console_errors == []
