"""Every public coroutine of the library, awaited from each place a PyScript app awaits one.

A page of its own (``own_pages``) calls each coroutine at the top level of
its script, in a ``@when`` async click handler, in a task, and in two click
handlers at once, and lists each outcome. MicroPython runs the top
level and the handlers outside asyncio; a coroutine that waited on asyncio
there (``wait_for``, an Event) ended with "TopLevelCoro has no attribute
'throw'" and never returned.
"""

import re

import pytest
from playwright.sync_api import expect

from .own_pages import serve_page
from .returns_widget import WIDGET_TIMEOUT_MS

PAGE_PATH = "/awaits-anywhere/"
MAPLE = "7495610000000000001"

# Each call's outcome in a few words: what the page lists and the test expects.
MAIN = """
from pyscript import config, document, when
from tiktokshop_widgets import (MANAGE_RETURNS, Backend, BackendError, BackendToken,
                                SellerAccount, WidgetConfig, WidgetKit, returns_summary)
from tiktokshop_widgets.backend import CURRENT_SHOP_PATH, SELLER_PATH
from tiktokshop_widgets.background import in_background

settings = WidgetConfig.from_dict(config["tiktok_widgets"])
backend = Backend(settings.backend_url)
account = SellerAccount(backend)
kits = {}


def report(where, call, outcome):
    item = document.createElement("li")
    item.textContent = where + " " + call + ": " + outcome
    document.getElementById("report").append(item)


async def backend_calls(where, token=None):
    reply = await backend.get(SELLER_PATH)
    report(where, "Backend.get", "code " + str(reply["code"]))
    seller = await account.load()
    shop = seller.current_shop
    report(where, "SellerAccount.load", shop.id)
    reply = await backend.post(CURRENT_SHOP_PATH, {"shop_id": shop.id})
    report(where, "Backend.post", "code " + str(reply["code"]))
    seller = await account.switch(shop.id)
    report(where, "SellerAccount.switch", seller.current_shop.id)
    summary = await returns_summary(backend, shop.id)
    report(where, "returns_summary", "counted" if summary.awaiting >= 0 else "negative")
    try:
        await returns_summary(backend, "1")  # not the seller's shop: the backend refuses
        report(where, "returns_summary refused", "no error")
    except BackendError as error:
        report(where, "returns_summary refused", "BackendError " + str(error.status))
    shop_settings = settings.for_shop(shop.id, shop.region)
    info = await (token or BackendToken(shop_settings.token_url, shop.id))()
    report(where, "BackendToken", "token" if info["token"] else "empty")
    return shop_settings


async def widget_calls(where, shop_settings):
    kit = WidgetKit(shop_settings)
    kits[where] = kit
    await kit.ready()
    report(where, "WidgetKit.ready", "ready")
    view = await kit.mount(MANAGE_RETURNS, "#returns-" + where)
    report(where, "WidgetKit.mount", view.state)
    await view.update({"on_result": print})
    report(where, "WidgetView.update", view.state)
    await kit.update(config=shop_settings)
    report(where, "WidgetKit.update", "updated")
    await view.unmount()
    report(where, "WidgetView.unmount", view.state)
    view = await kit.mount(MANAGE_RETURNS, "#returns-" + where)
    await kit.unmount("#returns-" + where)
    report(where, "WidgetKit.unmount", view.state)


async def every_call(where):
    try:
        await widget_calls(where, await backend_calls(where))
    except Exception as error:
        report(where, "failed", repr(error))
    report(where, "done", "done")


@when("click", "#in-handler")
async def in_handler(event):
    await every_call("handler")


@when("click", "#in-task")
def in_task(event):
    in_background(every_call("task"))


handlers_at_once = []
# One token source for both: the second handler waits for the first one's request.
token_at_once = BackendToken(settings.for_shop("7495610000000000001", "US").token_url,
                             "7495610000000000001")


@when("click", "#at-once")
async def at_once(event):
    handlers_at_once.append(None)
    where = "at-once-" + str(len(handlers_at_once))
    try:
        await backend_calls(where, token_at_once)
    except Exception as error:
        report(where, "failed", repr(error))
    report(where, "done", "done")


await every_call("top")
document.body.dataset.ready = "true"
"""

BODY = """<button id="in-handler">In a handler</button><button id="in-task">In a task</button>
<button id="at-once">Two handlers at once</button>
<ol id="report"></ol>
<div id="returns-top"></div><div id="returns-handler"></div><div id="returns-task"></div>"""

BACKEND_CALLS = {
    "Backend.get": "code 0",
    "SellerAccount.load": MAPLE,
    "Backend.post": "code 0",
    "SellerAccount.switch": MAPLE,
    "returns_summary": "counted",
    "returns_summary refused": "BackendError 403",
    "BackendToken": "token",
}
WIDGET_CALLS = {
    "WidgetKit.ready": "ready",
    "WidgetKit.mount": "mounted",
    "WidgetView.update": "mounted",
    "WidgetKit.update": "updated",
    "WidgetView.unmount": "unmounted",
    "WidgetKit.unmount": "unmounted",
}


def expected(where, calls):
    return [f"{where} {call}: {outcome}" for call, outcome in calls.items()] + [f"{where} done: done"]


def report_of(page, where):
    return [line for line in page.locator("#report li").all_inner_texts()
            if line.startswith(where + " ")]


@pytest.fixture
def awaits_page(page, server, interpreter):
    page.goto(serve_page(page, server, PAGE_PATH, interpreter, BODY, MAIN))
    return page


def test_every_coroutine_may_be_awaited_at_top_level_in_a_handler_and_in_a_task(
        awaits_page, console_errors):
    page = awaits_page
    expect(page.locator("#report li").first).to_be_attached(timeout=WIDGET_TIMEOUT_MS)  # started
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=WIDGET_TIMEOUT_MS)
    assert report_of(page, "top") == expected("top", BACKEND_CALLS | WIDGET_CALLS)

    # Each phase in a session of its own: the backend allows a session 30 requests a minute.
    page.context.clear_cookies()
    page.get_by_role("button", name="In a handler").click()
    expect(page.locator("#report li").filter(has_text=re.compile(r"^handler done")))\
        .to_have_count(1, timeout=WIDGET_TIMEOUT_MS)
    assert report_of(page, "handler") == expected("handler", BACKEND_CALLS | WIDGET_CALLS)

    page.context.clear_cookies()
    page.get_by_role("button", name="In a task").click()
    expect(page.locator("#report li").filter(has_text=re.compile(r"^task done")))\
        .to_have_count(1, timeout=WIDGET_TIMEOUT_MS)
    assert report_of(page, "task") == expected("task", BACKEND_CALLS | WIDGET_CALLS)

    page.context.clear_cookies()
    page.get_by_role("button", name="Two handlers at once").dblclick()
    for where in ("at-once-1", "at-once-2"):
        expect(page.locator("#report li").filter(has_text=re.compile(rf"^{where} done")))\
            .to_have_count(1, timeout=WIDGET_TIMEOUT_MS)
        assert report_of(page, where) == expected(where, BACKEND_CALLS)
    # The refused summary's 403s, which Chromium logs; nothing else.
    assert [e for e in console_errors if "status of 403 (Forbidden)" not in e] == []
