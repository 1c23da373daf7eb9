"""A seller whose computer's clock is 10 minutes off the server's keeps a working widget.

The page's clock starts 10 minutes ahead of, or behind, the one the backend and the
sandbox share, and both move on together (``sandbox_control``). Widget tokens live
5 minutes, so a page judging them on its own clock would refuse every good token
(ahead) or keep handing the widget expired ones (behind).
"""

import re

import pytest
from playwright.sync_api import expect

from testsupport.browser import app_url

from .returns_widget import accept, pending_ids, wait_for_requests
from .sandbox_control import control, time_passes

WIDGET_TOKEN_TTL_S = 300  # the sandbox's default widget_token_ttl
TEN_MINUTES_S = 600


class PagesBackendRequests:
    """The page's requests to the backend's JSON API under way (its event stream aside).

    Time jumps only when none is: a jump fires the timeout of a request in flight at
    once (a laptop waking from sleep, another test's subject), and this test is about
    a clock that is off, not one that jumps."""

    def __init__(self, page, server):
        self.page = page
        self.api = f"{server.url}/api/v1/"
        self.under_way = set()
        page.on("request", lambda request: self._of_api(request)
                and self.under_way.add(request))
        page.on("requestfinished", lambda request: self.under_way.discard(request))
        page.on("requestfailed", lambda request: self.under_way.discard(request))

    def _of_api(self, request):
        return request.url.startswith(self.api) and "/api/v1/events" not in request.url

    def settled(self):
        while self.under_way:
            request = next(iter(self.under_way))
            response = request.response()  # None when the request failed
            if response is not None:
                response.finished()  # the body too
            self.under_way.discard(request)


def time_passes_between_requests(page, server, requests, seconds):
    requests.settled()
    time_passes(page, server, seconds)


@pytest.mark.parametrize("skew", [TEN_MINUTES_S, -TEN_MINUTES_S], ids=["ahead", "behind"])
def test_a_page_whose_clock_is_off_keeps_a_working_widget(
        page, server, interpreter, fresh_sandbox, console_errors, skew):
    requests = PagesBackendRequests(page, server)
    tokens = []
    page.on("request", lambda request: "/api/v1/widget/access_token" in request.url
            and tokens.append(request.url))
    server_now = control(page, server, "clock", {"advance": 0})["now"]
    # Playwright for Python takes a number here as unix seconds.
    page.clock.install(time=server_now + skew)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    orders = page.get_by_role("tab", name=re.compile("Orders"))
    returns = page.get_by_role("tab", name=re.compile("Returns & Refunds"))

    accept(page, pending_ids(page)[0])
    expect(page.get_by_test_id("mr-error")).to_have_count(0)
    for lifetime in range(2):
        time_passes_between_requests(page, server, requests, WIDGET_TOKEN_TTL_S + 1)
        # A decision with the token the widget holds, then a fresh mount of the widget.
        accept(page, pending_ids(page)[0])
        expect(page.get_by_test_id("mr-error")).to_have_count(0)
        orders.click()
        returns.click()
        wait_for_requests(page)

    expect(page.get_by_text(re.compile("expired|getToken|Could not"))).to_have_count(0)
    assert len(tokens) >= 3  # the first token, then a new one for each lifetime
    assert console_errors == [], "\n".join(console_errors)
