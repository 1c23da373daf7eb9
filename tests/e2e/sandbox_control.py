"""What a test does to "TikTok" (the sandbox's control API), and time passing on both sides.

    control(page, server, "revoke", {"all": True})   # any /sandbox/control/<name>
    start_shared_time(page, server)   # before page.goto: the page's clock reads the server's
    time_passes(page, server, 301)    # both move on: tokens expire, timers fire
    requests = PagesBackendRequests(page, server)   # before page.goto
    time_passes_between_requests(page, server, requests, 301)   # none of them in flight
    refuse_event_stream(page)         # the backend's event stream refused: the page polls

The server's clock (the one its backend and sandbox share) only moves forward,
and earlier tests of the session have moved it: a page whose clock started
from the wall clock would be behind it, as if the seller's computer were
minutes slow. Starting the page at the server's time keeps the two together.
"""


def control(page, server, name, body) -> dict:
    """POST ``body`` to the sandbox's ``/control/<name>``; its JSON answer."""
    reply = page.request.post(f"{server.url}/sandbox/control/{name}", data=body)
    assert reply.ok, reply.text()
    return reply.json()


def start_shared_time(page, server):
    # Playwright for Python takes a number here as unix seconds (fast_forward: milliseconds).
    page.clock.install(time=control(page, server, "clock", {"advance": 0})["now"])


def time_passes(page, server, seconds):
    control(page, server, "clock", {"advance": seconds})
    page.clock.fast_forward(int(seconds * 1000))


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


# The one refusal these tests serve with status 503, so a test can tell its console lines.
REFUSED_STREAM = "status of 503"


def refuse_event_stream(page):
    """The backend's event stream answers 503: the page polls its summary instead."""
    page.route("**/api/v1/events", lambda route: route.fulfill(
        status=503, json={"code": 50301, "message": "busy", "data": None}))


def without_the_refused_stream(console_errors):
    """The console errors but the browser's own lines about the refused event stream."""
    return [error for error in console_errors if REFUSED_STREAM not in error]
