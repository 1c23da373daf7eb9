"""Long use leaves the page as it was, on Pyodide and on MicroPython (not timed).

- 200 round trips between the demo's tabs: every return to Returns & Refunds
  shows the widget's rows, one widget, no error; the page's element count ends
  where it started.
- 200 mount/unmount cycles through the library, on the lifecycle benchmark's
  page (bench/pages/lifecycle.html, which runs them from Python and counts the
  page's elements and the library's live FFI proxies before, during and after;
  bench/run.py times the same page).

MicroPython 1.28 lost the widget's token at about the 19th return to the tab
(a JS object returned from Python to JS was collected on the way): these
would have caught it.
"""

import json

from playwright.sync_api import expect

from testsupport.browser import app_url

from .returns_widget import WIDGET_TIMEOUT_MS, wait_for_requests

ROUND_TRIPS = 200
CYCLES = 200
COUNT_ELEMENTS = "document.getElementsByTagName('*').length"


def test_two_hundred_tab_round_trips_show_the_widget_every_time(page, server, interpreter,
                                                                 console_errors):
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    elements_at_start = page.evaluate(COUNT_ELEMENTS)
    orders = page.get_by_role("tab", name="Orders")
    returns = page.get_by_role("tab", name="Returns & Refunds")

    for round_trip in range(1, ROUND_TRIPS + 1):
        orders.click()
        expect(page.locator("#returns-widget")).to_be_empty()
        returns.click()
        wait_for_requests(page)
        expect(page.get_by_test_id("mr-error"), f"round trip {round_trip}").to_have_count(0)
        expect(page.get_by_test_id("mr-root")).to_have_count(1)
        expect(page.locator("#returns-status")).to_be_hidden()

    assert page.evaluate(COUNT_ELEMENTS) == elements_at_start
    assert console_errors == []


def run_cycles(page, server, interpreter, cycles):
    """The lifecycle page's result after ``cycles`` cycles (see its lifecycle.py)."""
    query = f"?cycles={cycles}"
    if interpreter == "micropython":
        query += "&interpreter=micropython"
    page.goto(f"{server.url}/bench/pages/lifecycle.html{query}")
    body = page.locator("body")
    expect(body).not_to_have_attribute("data-state", "running", timeout=4 * WIDGET_TIMEOUT_MS)
    result = json.loads(page.locator("#result").text_content())
    assert body.get_attribute("data-state") == "done", result
    return result


def test_two_hundred_mount_cycles_leave_no_elements_and_no_proxies_behind(
        page, server, interpreter, console_errors, outside_requests):
    result = run_cycles(page, server, interpreter, CYCLES)

    assert result["interpreter"] == interpreter
    assert len(result["cycle_ms"]) == CYCLES
    start = result["checkpoints"][0]  # after warm-up cycles: the kit's own proxies exist
    for checkpoint in result["checkpoints"][1:]:
        assert (checkpoint["dom_nodes"], checkpoint["live_proxies"]) == (
            start["dom_nodes"], start["live_proxies"]), checkpoint
    assert result["checkpoints"][-1]["cycle"] == CYCLES
    expect(page.locator("#widget")).to_be_empty()
    assert console_errors == [] and outside_requests == []
