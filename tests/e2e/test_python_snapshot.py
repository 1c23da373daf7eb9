"""Pyodide's memory snapshot (assets/python.mjs): a fresh profile boots and stores
one, a reload starts from it, and a snapshot that will not load falls back to a
normal boot; the page works the same every time."""

from playwright.sync_api import expect

from testsupport.browser import app_url
from .returns_widget import WIDGET_TIMEOUT_MS, wait_for_requests

SNAPSHOTS = "python-snapshots"


def python_start(page):
    return page.locator("html")


def open_returns(page, server):
    page.goto(app_url(server, "pyodide", "#returns"))
    wait_for_requests(page)


def stored_snapshots(page):
    return page.evaluate(f"""async () => {{
      const cache = await caches.open("{SNAPSHOTS}");
      return (await cache.keys()).map((request) => request.url);
    }}""")


def test_a_fresh_profile_boots_stores_a_snapshot_and_a_reload_starts_from_it(
        page, server, console_errors, outside_requests):
    open_returns(page, server)
    expect(python_start(page)).to_have_attribute("data-python-start", "boot")
    expect(python_start(page)).to_have_attribute("data-python-start", "boot, snapshot stored",
                                                 timeout=WIDGET_TIMEOUT_MS)
    (key,) = stored_snapshots(page)

    page.reload()
    wait_for_requests(page)

    expect(python_start(page)).to_have_attribute("data-python-start", "snapshot")
    assert stored_snapshots(page) == [key]
    assert console_errors == [] and outside_requests == []


def test_a_snapshot_that_will_not_load_falls_back_to_a_boot_and_is_replaced(
        page, server, console_errors, outside_requests):
    open_returns(page, server)
    expect(python_start(page)).to_have_attribute("data-python-start", "boot, snapshot stored",
                                                 timeout=WIDGET_TIMEOUT_MS)
    (key,) = stored_snapshots(page)
    # Damaged on disk, or made by something else under the same name.
    page.evaluate(f"""async (key) => {{
      const cache = await caches.open("{SNAPSHOTS}");
      await cache.put(key, new Response(new Uint8Array(1024)));
    }}""", key)

    page.reload()
    wait_for_requests(page)

    expect(python_start(page)).to_have_attribute("data-python-start", "boot")
    expect(python_start(page)).to_have_attribute("data-python-start", "boot, snapshot stored",
                                                 timeout=WIDGET_TIMEOUT_MS)
    page.reload()
    wait_for_requests(page)
    expect(python_start(page)).to_have_attribute("data-python-start", "snapshot")
    # The fallback says why in the console, as a warning: no error reaches the seller.
    assert console_errors == [] and outside_requests == []


def test_micropython_pages_make_no_snapshot(page, server, console_errors, outside_requests):
    page.goto(app_url(server, "micropython", "#returns"))
    wait_for_requests(page)

    assert page.get_attribute("html", "data-python-start") is None
    assert stored_snapshots(page) == []
    assert console_errors == [] and outside_requests == []
