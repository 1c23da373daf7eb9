"""A page left open past several widget-token lifetimes keeps working.

Both clocks move (``sandbox_control``): the browser's and the one the backend and the
sandbox share, so a token the page holds expires everywhere at once, as it
would after minutes of real time.
"""

from testsupport.browser import app_url

from .returns_widget import (WIDGET_TOKEN_TTL_S, keeps_working_across_token_lifetimes,
                             wait_for_requests)
from .sandbox_control import PagesBackendRequests, start_shared_time, time_passes_between_requests


def test_the_widget_keeps_working_across_token_lifetimes(
        page, server, interpreter, fresh_sandbox, console_errors):
    requests = PagesBackendRequests(page, server)
    tokens = []
    page.on("request", lambda request: "/api/v1/widget/access_token" in request.url
            and tokens.append(request.url))
    start_shared_time(page, server)
    page.goto(app_url(server, interpreter, "#returns"))
    wait_for_requests(page)
    keeps_working_across_token_lifetimes(page, 3, lambda: time_passes_between_requests(
        page, server, requests, WIDGET_TOKEN_TTL_S + 1))
    assert len(tokens) >= 4  # the first token, then a new one for each lifetime
    assert console_errors == []
