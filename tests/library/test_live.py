"""LiveEvents: the backend's events on the page, through the browser's EventSource
(FakeEventSource plays the backend's stream)."""

import asyncio

import pytest

from tiktokshop_widgets import Backend, LiveEvents, ReturnsSummary

from .fake_page import FakePage, until

pytestmark = pytest.mark.anyio
BACKEND = "https://backend.example/tiktok"
SHOP = "7495610000000000001"
SUMMARY = {"shop_id": SHOP, "awaiting": 3, "due_within_24h": 1, "next_deadline": 1767258000,
           "checked_at": 1767225600, "newest_request_at": 1767220000,
           "next_deadline_return_id": "4035"}


class Recorder:
    def __init__(self):
        self.summaries, self.connections, self.states = [], [], []


class ManualSleep:
    """asyncio.sleep's stand-in: each sleep waits until the test lets it end."""

    def __init__(self):
        self.asked = []
        self._release = asyncio.Event()

    async def __call__(self, seconds):
        self.asked.append(seconds)
        await self._release.wait()
        self._release.clear()

    def wake(self):
        self._release.set()


def live_events(page, sleep=None, credentials="include"):
    seen = Recorder()
    live = LiveEvents(Backend(BACKEND, credentials=credentials, page=page),
                      on_summary=lambda shop, summary: seen.summaries.append((shop, summary)),
                      on_connection=seen.connections.append, on_state=seen.states.append,
                      sleep=sleep or ManualSleep())
    return live, seen


async def test_it_streams_the_backends_events_with_the_sellers_cookie():
    page = FakePage()
    live, seen = live_events(page)
    live.open()
    (source,) = page.event_sources
    assert source.url == BACKEND + "/api/v1/events" and source.with_credentials
    assert set(source.event_names) == {"returns", "connection"}
    source.ready("open")
    assert live.live and seen.states == [True]
    source.send("returns", SUMMARY)
    assert seen.summaries == [(SHOP, ReturnsSummary(3, 1, 1767258000, 1767225600, 1767220000,
                                                    "4035"))]


async def test_a_connection_event_names_a_connect_link_the_page_can_use():
    page = FakePage()
    live, seen = live_events(page)
    live.open()
    page.event_sources[0].send("connection", {"shop_id": SHOP, "connected": False,
                                              "connect_url": "/tiktok/auth/tiktok/start",
                                              "reconnect_by": None})
    assert seen.connections == [{"shop_id": SHOP, "connected": False, "reconnect_by": None,
                                 "connect_url": "https://backend.example/tiktok/auth/tiktok/start"}]


async def test_an_older_summary_after_a_newer_one_is_dropped():
    page = FakePage()
    live, seen = live_events(page)
    live.open()
    source = page.event_sources[0]
    source.send("returns", dict(SUMMARY, awaiting=5, checked_at=200))
    source.send("returns", dict(SUMMARY, awaiting=4, checked_at=100))
    source.send("returns", dict(SUMMARY, shop_id="2", awaiting=1, checked_at=100))
    assert [(shop, s.awaiting) for shop, s in seen.summaries] == [(SHOP, 5), ("2", 1)]


async def test_a_malformed_event_or_a_failing_handler_is_a_warning_not_the_end():
    page = FakePage()
    live = LiveEvents(Backend(BACKEND), on_summary=lambda shop, s: 1 / 0, page=page,
                      sleep=ManualSleep())
    live.open()
    source = page.event_sources[0]
    source.send("returns", "not json")
    source.send("returns", {"shop_id": SHOP, "awaiting": -1})
    source.send("returns", SUMMARY)
    assert len(page.warnings) == 3 and "handler failed" in page.warnings[2]
    assert not source.closed


async def test_a_drop_is_the_browsers_to_retry_a_refusal_ours_with_backoff():
    page = FakePage()
    sleep = ManualSleep()
    live, seen = live_events(page, sleep)
    live.open()
    first = page.event_sources[0]
    first.ready("open")
    first.ready("connecting")  # a network drop: EventSource reconnects by itself
    assert not live.live and len(page.event_sources) == 1 and not first.closed
    first.ready("open")
    first.ready("closed")      # the backend refused or ended it
    assert first.closed and not live.live
    await until(lambda: sleep.asked == [2])
    sleep.wake()
    await until(lambda: len(page.event_sources) == 2)
    page.event_sources[1].ready("closed")
    await until(lambda: sleep.asked == [2, 4])
    assert page.live_proxies == 0  # the closed sources' handlers were let go
    sleep.wake()
    await until(lambda: len(page.event_sources) == 3)
    page.event_sources[2].ready("open")
    page.event_sources[2].ready("closed")
    await until(lambda: sleep.asked == [2, 4, 2])  # the backoff starts again after an open
    assert seen.states == [True, False, True, False, True, False]


async def test_close_stops_it_for_good():
    page = FakePage()
    sleep = ManualSleep()
    live, seen = live_events(page, sleep)
    live.open()
    page.event_sources[0].ready("open")
    page.event_sources[0].ready("closed")
    live.close()
    sleep.wake()
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(page.event_sources) == 1 and page.live_proxies == 0 and not live.live
    live.open()
    assert len(page.event_sources) == 2


async def test_without_credentials_the_stream_is_opened_without_them():
    page = FakePage()
    live, _ = live_events(page, credentials="omit")
    live.open()
    assert page.event_sources[0].with_credentials is False
