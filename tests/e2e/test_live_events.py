"""LiveEvents on a page of its own, on both interpreters: a return request created in the
sandbox reaches the page through TikTok's webhook (the sandbox delivers it to the session
server's backend) and the backend's event stream, with no polling."""

import re

import httpx2 as httpx
import pytest
from playwright.sync_api import expect

from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH

from .own_pages import serve_page
from .returns_widget import WIDGET_TIMEOUT_MS

PAGE_PATH = "/live-events/"
MAPLE = "7495610000000000001"

MAIN = """
from pyscript import config, document
from tiktokshop_widgets import Backend, LiveEvents, WidgetConfig

settings = WidgetConfig.from_dict(config["tiktok_widgets"])


def report(text):
    item = document.createElement("li")
    item.textContent = text
    document.getElementById("report").append(item)


def summary(shop_id, summary):
    report("returns " + shop_id + " " + str(summary.awaiting))


def connection(change):
    report("connection " + change["shop_id"] + " " + str(change["connected"]))


def state(live):
    document.body.dataset.live = "yes" if live else "no"


live = LiveEvents(Backend(settings.backend_url), on_summary=summary, on_connection=connection,
                  on_state=state)
live.open()
"""

BODY = '<ol id="report"></ol>'


def awaiting(server) -> int:
    reply = httpx.get(server.url + RETURNS_SUMMARY_PATH, params={"outer_shop_id": MAPLE},
                      timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["awaiting"]


@pytest.fixture
def live_page(page, server, interpreter, fresh_sandbox):
    page.goto(serve_page(page, server, PAGE_PATH, interpreter, BODY, MAIN))
    expect(page.locator("body")).to_have_attribute("data-live", "yes", timeout=WIDGET_TIMEOUT_MS)
    return page


def test_a_new_request_reaches_the_open_page_through_the_webhook(live_page, server,
                                                                   console_errors):
    before = awaiting(server)
    added = httpx.post(server.url + "/sandbox/control/returns", json={"shop_id": MAPLE},
                       timeout=30)
    assert added.status_code == 200, added.text
    expect(live_page.locator("#report li").filter(
        has_text=re.compile(rf"^returns {MAPLE} {before + 1}$"))).to_have_count(
        1, timeout=WIDGET_TIMEOUT_MS)
    assert console_errors == []
