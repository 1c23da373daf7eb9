"""Mounting and unmounting ManageReturns again and again leaves the page as it was.

The lifecycle benchmark's page (bench/pages/lifecycle.html) runs the cycles from
Python, on Pyodide and on MicroPython, and counts the page's elements and the
library's live FFI proxies before, during and after them (bench/run.py times
the same page over 200 cycles)."""

import json

from playwright.sync_api import expect

from .returns_widget import WIDGET_TIMEOUT_MS

CYCLES = 20


def run_cycles(page, server, interpreter, cycles):
    """The lifecycle page's result after ``cycles`` cycles (see lifecycle.py)."""
    query = f"?cycles={cycles}"
    if interpreter == "micropython":
        query += "&interpreter=micropython"
    page.goto(f"{server.url}/bench/pages/lifecycle.html{query}")
    body = page.locator("body")
    expect(body).not_to_have_attribute("data-state", "running", timeout=2 * WIDGET_TIMEOUT_MS)
    result = json.loads(page.locator("#result").text_content())
    assert body.get_attribute("data-state") == "done", result
    return result


def test_cycles_leave_no_elements_and_no_proxies_behind(page, server, interpreter, console_errors,
                                                        outside_requests):
    result = run_cycles(page, server, interpreter, CYCLES)

    assert result["interpreter"] == interpreter
    assert len(result["cycle_ms"]) == CYCLES
    start = result["checkpoints"][0]  # after a first cycle: the kit's own proxies exist
    for checkpoint in result["checkpoints"][1:]:
        assert (checkpoint["dom_nodes"], checkpoint["live_proxies"]) == (
            start["dom_nodes"], start["live_proxies"]), checkpoint
    assert result["checkpoints"][-1]["cycle"] == CYCLES
    expect(page.locator("#widget")).to_be_empty()
    assert console_errors == [] and outside_requests == []
