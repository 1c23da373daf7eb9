"""The sandbox's own pages in Chromium: TikTok's authorize page and the control page,
used with the mouse and checked by axe-core."""

import re

from playwright.sync_api import expect

from tiktokshop_sandbox import SANDBOX_SERVICE_ID

from .axe import violations

SG_SHOP = "7495610000000000003"


def test_a_seller_picks_shops_and_authorizes(page, server):
    page.goto(f"{server.url}/sandbox/services/open/authorize?service_id={SANDBOX_SERVICE_ID}"
              "&state=browser-state")
    assert violations(page) == []

    page.get_by_role("button", name="Authorize").click()  # nothing picked yet
    expect(page.get_by_role("alert")).to_have_text("pick at least one shop")
    assert violations(page) == []

    page.get_by_role("checkbox", name="Maple & Co (US)").check()
    page.get_by_role("checkbox", name="Thames Home Goods (GB)").check()
    page.get_by_role("button", name="Authorize").click()

    # The browser lands on the app's registered redirect (the backend's callback).
    expect(page).to_have_url(re.compile(
        re.escape(server.url) + r"/auth/tiktok/callback\?code=[\w-]{32,}&state=browser-state$"))


def test_the_control_page_adds_a_return_request_with_a_click(page, server):
    page.goto(server.url + "/sandbox/control")
    assert violations(page) == []
    row = page.get_by_role("row", name=re.compile("Lion City Gadgets"))
    before = int(row.get_by_role("cell").nth(2).inner_text())

    page.get_by_role("button", name="Add a return request to Lion City Gadgets").click()

    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"Added return request \d+ to Lion City Gadgets\."))
    expect(row.get_by_role("cell").nth(2)).to_have_text(str(before + 1))
    assert violations(page) == []
