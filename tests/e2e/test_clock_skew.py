"""A seller whose computer's clock is 10 minutes off the server's keeps a working widget.

The page's clock starts 10 minutes ahead of, or behind, the one the backend and the
sandbox share, and both move on together (``sandbox_control``). Widget tokens live
5 minutes, so a page judging them on its own clock would refuse every good token
(ahead) or keep handing the widget expired ones (behind).
"""

import pytest
from playwright.sync_api import expect

from testsupport.browser import app_url

from .returns_widget import (WIDGET_TOKEN_TTL_S, accept, keeps_working_across_token_lifetimes,
                             pending_ids, wait_for_requests)
from .sandbox_control import PagesBackendRequests, control, time_passes_between_requests

TEN_MINUTES_S = 600


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
    accept(page, pending_ids(page)[0])
    expect(page.get_by_test_id("mr-error")).to_have_count(0)
    keeps_working_across_token_lifetimes(page, 2, lambda: time_passes_between_requests(
        page, server, requests, WIDGET_TOKEN_TTL_S + 1))
    assert len(tokens) >= 3  # the first token, then a new one for each lifetime
    assert console_errors == [], "\n".join(console_errors)
