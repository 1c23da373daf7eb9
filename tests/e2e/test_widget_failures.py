"""A widget that fails once it shows (TikTok Shop refuses the app key) tells Python so.

widget-kit 1.0.4 reports nothing of it: the widget shows its own alert. The
view turns "failed" with a ``WidgetFailed`` that ``on_error`` hears of, and
"mounted" again once the widget recovers (here: the kit's config gets the
right app key, and the widget loads the shop's returns).
"""

import pytest
from playwright.sync_api import expect

from .own_pages import serve_page
from .returns_widget import WIDGET_TIMEOUT_MS, wait_for_requests

PAGE_PATH = "/widget-failures/"
MAIN = """
from pyscript import config, document, when
from tiktokshop_widgets import MANAGE_RETURNS, WidgetConfig, WidgetKit

section = config["tiktok_widgets"]
settings = WidgetConfig.from_dict(section)
fixed = dict(section)
fixed["app_key"] = "6sandboxapp01"
state = document.getElementById("state")


def on_error(error):
    item = document.createElement("li")
    item.textContent = type(error).__name__ + " " + str(error.code) + ": " + str(error)
    document.getElementById("reported").append(item)
    state.textContent = view.state


kit = WidgetKit(settings, on_error=on_error)
view = await kit.mount(MANAGE_RETURNS, "#returns")
state.textContent = view.state


@when("click", "#state-now")
def state_now(event):
    state.textContent = view.state


@when("click", "#fix")
async def fix(event):
    await kit.update(config=WidgetConfig.from_dict(fixed))
"""
BODY = """<p id="state">starting</p><ol id="reported"></ol>
<button id="state-now">State now</button><button id="fix">Right app key</button>
<div id="returns"></div>"""
REFUSED = "This app key is not registered with TikTok Shop (36004003)"


@pytest.fixture
def failing_page(page, server, interpreter):
    page.goto(serve_page(page, server, PAGE_PATH, interpreter, BODY, MAIN,
                         {"shop_id": "7495610000000000001", "region": "US",
                          "app_key": "6wrongappkey"}))
    return page


def test_a_widget_refusing_the_app_key_fails_its_view_and_reports_it(
        failing_page, console_errors):
    page = failing_page
    reported = page.locator("#reported li")
    # Python started and mounted the widget (a cold Pyodide on a busy machine takes a while)...
    expect(page.locator("#state")).not_to_have_text("starting", timeout=WIDGET_TIMEOUT_MS)
    # ...which then asked TikTok Shop for the returns, and was refused.
    expect(reported).to_have_count(1, timeout=WIDGET_TIMEOUT_MS)
    expect(reported).to_have_text(
        f"WidgetFailed 36004003: @tiktokshop-widget/reverse:ManageReturns reported: {REFUSED}.")
    expect(page.locator("#state")).to_have_text("failed")
    expect(page.get_by_role("alert")).to_contain_text(REFUSED)  # the widget's own words stay

    page.get_by_role("button", name="Right app key").click()
    wait_for_requests(page)
    page.get_by_role("button", name="State now").click()
    expect(page.locator("#state")).to_have_text("mounted")
    expect(reported).to_have_count(1)
    # The widget's refused request, which Chromium logs; nothing else.
    assert [e for e in console_errors if "status of 403 (Forbidden)" not in e
            and "status of 400 (Bad Request)" not in e] == []
