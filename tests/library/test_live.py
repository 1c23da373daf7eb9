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
    assert page.live_proxies == 1  # the closed sources' handlers were let go: the page's watch stays
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
    assert page.presence_watchers == [] and live.state == "closed"
    live.open()
    assert len(page.event_sources) == 2


async def test_without_credentials_the_stream_is_opened_without_them():
    page = FakePage()
    live, _ = live_events(page, credentials="omit")
    live.open()
    assert page.event_sources[0].with_credentials is False


async def test_offline_there_is_no_stream_and_back_online_one_opens_at_once():
    page = FakePage()
    sleep = ManualSleep()
    live, seen = live_events(page, sleep)
    networks = []
    live.on_network = networks.append
    live.open()
    page.event_sources[0].ready("open")

    page.presence(online=False)

    assert page.event_sources[0].closed and not live.live and live.state == "offline"
    assert networks == [False] and seen.states == [True, False]
    page.presence(visible=False)
    page.presence(visible=True)   # seen again while offline: still nothing to connect to
    assert len(page.event_sources) == 1 and sleep.asked == []

    page.presence(online=True)

    assert len(page.event_sources) == 2 and networks == [False, True]
    assert live.state == "connecting"
    page.event_sources[1].ready("open")
    assert live.live and live.state == "open" and seen.states == [True, False, True]
    assert page.live_proxies == 3  # the open stream's two handlers and the page's watch


async def test_a_page_opened_offline_waits_for_the_network():
    page = FakePage()
    page.network_up = False
    live, seen = live_events(page)
    live.open()
    assert page.event_sources == [] and live.state == "offline" and not live.online
    page.presence(online=True)
    assert len(page.event_sources) == 1


async def test_a_backoff_that_grew_while_offline_or_hidden_is_not_waited_out():
    page = FakePage()
    sleep = ManualSleep()
    live, seen = live_events(page, sleep)
    live.open()
    for attempt in range(6):  # refused again and again while the tab sat in the background
        page.event_sources[-1].ready("closed")
        await until(lambda: len(sleep.asked) == attempt + 1)
        sleep.wake()
        await until(lambda: len(page.event_sources) == attempt + 2)
    page.event_sources[-1].ready("closed")
    await until(lambda: sleep.asked == [2, 4, 8, 16, 32, 60, 60])
    page.presence(visible=False)
    assert len(page.event_sources) == 7   # hidden: nothing new

    page.presence(visible=True)           # the seller is back: a stream now, not in 60 s

    assert len(page.event_sources) == 8 and not page.event_sources[-1].closed
    sleep.wake()                          # the old wait ends: no second stream
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(page.event_sources) == 8
    page.event_sources[-1].ready("closed")
    await until(lambda: sleep.asked[-1] == 2)  # and the backoff starts again


async def test_a_live_stream_is_left_alone_when_the_page_is_seen_again():
    page = FakePage()
    live, _ = live_events(page)
    live.open()
    page.event_sources[0].ready("open")
    page.presence(visible=False)
    page.presence(visible=True)
    assert len(page.event_sources) == 1 and not page.event_sources[0].closed and live.live
    page.event_sources[0].ready("connecting")  # dropped: the browser reconnects by itself,
    page.presence(visible=False)               # sending Last-Event-ID; that one stays
    page.presence(visible=True)
    assert len(page.event_sources) == 1 and not page.event_sources[0].closed
