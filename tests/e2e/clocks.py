"""Time passing on both sides at once: the browser's clock and the server's.

    start_shared_time(page, server)   # before page.goto: the page's clock reads the server's
    time_passes(page, server, 301)    # both move on: tokens expire, timers fire

The server's clock (the one its backend and sandbox share) only moves forward,
and earlier tests of the session have moved it: a page whose clock started
from the wall clock would be behind it, as if the seller's computer were
minutes slow. Starting the page at the server's time keeps the two together.
"""


def server_time_after(page, server, seconds):
    reply = page.request.post(f"{server.url}/sandbox/control/clock", data={"advance": seconds})
    assert reply.ok, reply.text()
    return reply.json()["now"]


def start_shared_time(page, server):
    # Playwright for Python takes a number here as unix seconds (fast_forward: milliseconds).
    page.clock.install(time=server_time_after(page, server, 0))


def time_passes(page, server, seconds):
    server_time_after(page, server, seconds)
    page.clock.fast_forward(int(seconds * 1000))
