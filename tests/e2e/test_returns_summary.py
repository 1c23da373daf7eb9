"""No request missed: the waiting return requests counted outside the widget.

The badge on the Returns tab, the Orders pointer and the page title follow the
sandbox's requests: right after a decision in the widget, at once for a request
that arrives (the sandbox's webhook to the backend, pushed on the page's event
stream), and, while that stream is down, at the next periodic refresh (the
browser's and the server's clocks are moved forward, nobody waits minutes).
"""

import re

from playwright.sync_api import expect

from testsupport.browser import app_url

from .returns_widget import WIDGET_TIMEOUT_MS, accept, pending_ids, rows, wait_for_requests
from .sandbox_control import (
    control,
    refuse_event_stream,
    start_shared_time,
    time_passes,
    without_the_refused_stream,
)

MAPLE = "7495610000000000001"
REFRESH_EVERY_S = 180  # returns_app.summary_watch.REFRESH_EVERY


def badge(page):
    return page.locator("#returns-badge")


def awaiting_in_the_widget(page) -> int:
    """Rows in the widget's default filter, "Awaiting your response"."""
    return rows(page).count()


def open_returns(page, server, interpreter, live=True):
    """The Returns tab, its badge counting what the sandbox has now. ``live=False``: the
    page's event stream refused, so the page polls (the backend's summary cache may
    predate the test's fresh sandbox: the first periodic refresh is past it)."""
    start_shared_time(page, server)
    if not live:
        refuse_event_stream(page)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    if live:
        expect(page.locator("#returns-pointer")).to_have_attribute(
            "data-checked-at", re.compile(r"^[0-9]+$"), timeout=WIDGET_TIMEOUT_MS)
    else:
        refreshed(page, server)


def next_refresh(page, server):
    """The periodic refresh, now: both clocks moved past it (the backend's cache too)."""
    time_passes(page, server, REFRESH_EVERY_S + 1)


def test_the_badge_pointer_and_title_count_what_waits_and_follow_a_decision(
        page, server, interpreter, fresh_sandbox, console_errors):
    open_returns(page, server, interpreter)
    waiting = awaiting_in_the_widget(page)
    assert waiting > 1
    expect(badge(page)).to_have_text(f"{waiting}, {waiting} return requests await your response")
    expect(page.get_by_role("tab", name=re.compile("Returns & Refunds"))).to_have_accessible_name(
        re.compile(rf"^Returns & Refunds ?, {waiting} return requests await your response$"))
    expect(page).to_have_title(re.compile(rf"^\({waiting}\) Seller app"))
    pointer = page.locator("#returns-pointer")
    expect(pointer).to_contain_text(f"{waiting} requests await your response; the first is ")
    expect(pointer).to_have_attribute("data-urgency", "overdue")  # the seed has one overdue

    accept(page, pending_ids(page)[0])

    expect(badge(page)).to_contain_text(f"{waiting - 1}, ")
    expect(page).to_have_title(re.compile(rf"^\({waiting - 1}\) Seller app"))
    assert console_errors == []


def test_a_new_request_raises_the_count_at_once(
        page, server, interpreter, fresh_sandbox, console_errors):
    open_returns(page, server, interpreter)
    waiting = awaiting_in_the_widget(page)
    expect(badge(page)).to_contain_text(f"{waiting}, ")

    control(page, server, "returns", {"shop_id": MAPLE})  # no clock moved, no reload

    expect(badge(page)).to_contain_text(f"{waiting + 1}, ", timeout=WIDGET_TIMEOUT_MS)
    page.get_by_role("tab", name=re.compile("Orders")).click()
    expect(page.locator("#returns-pointer")).to_contain_text(
        f"{waiting + 1} requests await your response")
    assert console_errors == []


def test_without_the_event_stream_a_new_request_shows_at_the_next_refresh(
        page, server, interpreter, fresh_sandbox, console_errors):
    open_returns(page, server, interpreter, live=False)
    waiting = awaiting_in_the_widget(page)
    expect(badge(page)).to_contain_text(f"{waiting}, ")

    control(page, server, "returns", {"shop_id": MAPLE})
    refreshed(page, server)

    expect(badge(page)).to_contain_text(f"{waiting + 1}, ")
    page.get_by_role("tab", name=re.compile("Orders")).click()
    expect(page.locator("#returns-pointer")).to_contain_text(
        f"{waiting + 1} requests await your response")
    assert without_the_refused_stream(console_errors) == []


def test_a_failing_summary_never_stands_in_the_widgets_way(
        page, server, interpreter, fresh_sandbox):
    page.route("**/api/v1/returns/summary*", lambda route: route.fulfill(
        status=503, json={"code": 50300, "message": "busy", "data": None}))
    page.goto(app_url(server, interpreter, "#returns"))

    wait_for_requests(page)
    expect(badge(page)).to_be_hidden()
    expect(page.locator("#returns-status")).to_be_hidden()
    expect(page).to_have_title(re.compile(r"^Seller app"))


def test_a_notification_for_a_new_request_once_when_the_seller_asked_for_them(
        page, context, server, interpreter, fresh_sandbox, console_errors):
    context.grant_permissions(["notifications"], origin=server.url)
    # The notifications the page shows, recorded (the browser's own would show nothing here).
    page.add_init_script("""
        window.shownNotifications = [];
        window.Notification = class extends Notification {
          constructor(title, options) { super(title, options); window.shownNotifications.push(title); }
        };""")
    open_returns(page, server, interpreter, live=False)
    page.get_by_role("tab", name=re.compile("Orders")).click()
    page.get_by_role("button", name="Notify me").click()
    expect(page.get_by_role("button", name="Notifications on")).to_be_disabled()

    control(page, server, "returns", {"shop_id": MAPLE})
    refreshed(page, server)
    refreshed(page, server)  # the same requests again: nothing new to tell

    shown = page.evaluate("window.shownNotifications")
    assert shown.count("New return request") == 1
    # And, once, the seed's overdue request: its deadline is past the threshold.
    assert len([title for title in shown if title.startswith("A return request is overdue")]) == 1
    assert len(shown) == 2
    assert without_the_refused_stream(console_errors) == []


def refreshed(page, server):
    """``next_refresh``, and its summary shown (the pointer says when TikTok was asked)."""
    pointer = page.locator("#returns-pointer")
    # The summary before this one shown first (a slow start may not have shown it yet).
    expect(pointer).to_have_attribute("data-checked-at", re.compile(r"^[0-9]+$"),
                                      timeout=WIDGET_TIMEOUT_MS)
    checked_at = pointer.get_attribute("data-checked-at")
    next_refresh(page, server)
    expect(pointer).not_to_have_attribute("data-checked-at", checked_at)
