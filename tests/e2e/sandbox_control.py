"""What a test does to "TikTok" (the sandbox's control API), and time passing on both sides.

    control(page, server, "revoke", {"all": True})   # any /sandbox/control/<name>
    start_shared_time(page, server)   # before page.goto: the page's clock reads the server's
    time_passes(page, server, 301)    # both move on: tokens expire, timers fire

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
