"""A page left open past several widget-token lifetimes keeps working.

Both clocks move (``sandbox_control``): the browser's and the one the backend and the
sandbox share, so a token the page holds expires everywhere at once, as it
would after minutes of real time.
"""

import re

from playwright.sync_api import expect

from testsupport.browser import app_url

from .returns_widget import accept, pending_ids, wait_for_requests
from .sandbox_control import start_shared_time, time_passes

WIDGET_TOKEN_TTL_S = 300  # the sandbox's default widget_token_ttl


def test_the_widget_keeps_working_across_token_lifetimes(
        page, server, interpreter, fresh_sandbox, console_errors):
    tokens = []
    page.on("request", lambda request: "/api/v1/widget/access_token" in request.url
            and tokens.append(request.url))
    start_shared_time(page, server)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    orders = page.get_by_role("tab", name=re.compile("Orders"))
    returns = page.get_by_role("tab", name=re.compile("Returns & Refunds"))

    for lifetime in range(3):
        time_passes(page, server, WIDGET_TOKEN_TTL_S + 1)
        # A decision with the token the widget holds, then a fresh mount of the widget.
        return_id = pending_ids(page)[0]
        accept(page, return_id)
        expect(page.get_by_test_id("mr-error")).to_have_count(0)
        orders.click()
        returns.click()
        wait_for_requests(page)

    expect(page.get_by_text(re.compile("expired|getToken|Could not"))).to_have_count(0)
    assert len(tokens) >= 4  # the first token, then a new one for each lifetime
    assert console_errors == []
