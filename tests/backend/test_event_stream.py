"""GET /api/v1/events: the seller's events as Server-Sent Events, from a real uvicorn, read by
a real HTTP client as a browser's EventSource reads them; on a SQLite file and on PostgreSQL
(``database``)."""

import queue
import threading
import time
from contextlib import contextmanager

import httpx2 as httpx
import pytest

from testsupport.servers import serve_in_thread
from tiktokshop_backend import create_app
from tiktokshop_protocol import RETURN_STATUS_CHANGE, SELLER_DEAUTHORIZATION
from tiktokshop_widgets.backend import EVENTS_PATH

from .conftest import GB_SHOP, US_SHOP, backend_settings, connect
from .test_webhooks import deliver, notification

WAIT_S = 15


@contextmanager
def running_backend(tmp_path, tiktok, sock=None, **overrides):
    """The backend under uvicorn, and a client of it with a connected seller's cookie."""
    tmp_path.mkdir(parents=True, exist_ok=True)  # the store's folder, as a deployment has it
    app = create_app(backend_settings(tmp_path, tiktok, **overrides), clock=tiktok.clock)
    with serve_in_thread(app, sock=sock) as url, httpx.Client(base_url=url, timeout=WAIT_S) as client:
        connect(client, tiktok)
        yield app, client


class EventSource:
    """Reads a text/event-stream in a thread; ``next()`` waits for the next event or comment."""

    def __init__(self, client: httpx.Client, headers=None):
        self._received: queue.Queue = queue.Queue()
        self._opened = threading.Event()
        self._response = None
        self.status: int | None = None
        threading.Thread(target=self._read, args=(client, headers or {}), daemon=True).start()
        assert self._opened.wait(WAIT_S), "the stream did not open"

    def _read(self, client, headers):
        try:
            with client.stream("GET", EVENTS_PATH, headers={"accept": "text/event-stream",
                                                            **headers}) as response:
                self._response, self.status, self.headers = (response, response.status_code,
                                                             response.headers)
                self._opened.set()
                fields = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        fields["comment"] = line[1:].strip()
                    elif line == "" and fields:
                        self._received.put(fields)
                        fields = {}
                    elif line:
                        name, _, value = line.partition(":")
                        fields[name] = value[1:] if value.startswith(" ") else value
        except (httpx.HTTPError, RuntimeError, OSError):  # closed by close()
            pass

    def next(self, event: str | None = None) -> dict:
        """The next message (the next ``event`` one, when named), within WAIT_S."""
        deadline = time.monotonic() + WAIT_S
        while True:
            message = self._received.get(timeout=max(0.01, deadline - time.monotonic()))
            if event is None or message.get("event") == event:
                return message

    def close(self):
        self._response.close()


@pytest.fixture
def live(tmp_path, tiktok, database):
    with running_backend(tmp_path, tiktok, event_heartbeat=1, **database) as running:
        yield running


def test_a_return_status_change_reaches_an_open_stream(live, tiktok):
    app, client = live
    stream = EventSource(client)
    assert stream.status == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["cache-control"] == "no-store"
    tiktok.control("returns", shop_id=US_SHOP)
    assert deliver(client, notification(RETURN_STATUS_CHANGE)).status_code == 200
    message = stream.next("returns")
    assert message["id"]
    data = httpx.Response(200, content=message["data"]).json()
    assert data["shop_id"] == US_SHOP and data["awaiting"] >= 1
    stream.close()


def test_heartbeats_flow_while_nothing_happens(live):
    app, client = live
    stream = EventSource(client)
    assert stream.next()["comment"] == "connected"
    assert stream.next()["comment"].startswith("ping")  # every event_heartbeat seconds
    stream.close()


def test_a_page_that_reconnects_gets_what_it_missed_first(live, tiktok):
    app, client = live
    first = EventSource(client)
    deliver(client, notification(RETURN_STATUS_CHANGE))
    seen = first.next("returns")["id"]
    first.close()
    deliver(client, notification(SELLER_DEAUTHORIZATION, GB_SHOP))
    deliver(client, notification(RETURN_STATUS_CHANGE))
    again = EventSource(client, {"last-event-id": seen})
    # Both, whichever was handled first (TikTok's deliveries are handled as they come).
    missed = {}
    while len(missed) < 2:
        message = again.next()
        if "event" in message:  # not a heartbeat
            missed[message["event"]] = message
    assert set(missed) == {"connection", "returns"}
    assert '"connected":false' in missed["connection"]["data"]
    assert missed["returns"]["id"] != seen
    again.close()


def test_a_stranger_gets_no_stream(live):
    app, client = live
    with httpx.Client(base_url=str(client.base_url), timeout=WAIT_S) as stranger:
        reply = stranger.get(EVENTS_PATH)
    assert reply.status_code == 401 and reply.json()["code"] == 40100


def test_a_foreign_page_gets_no_stream(live):
    app, client = live
    reply = client.get(EVENTS_PATH, headers={"origin": "https://evil.example"})
    assert reply.status_code == 403 and reply.json()["code"] == 40301


def test_streams_per_session_are_capped(tmp_path, tiktok, database):
    with running_backend(tmp_path, tiktok, event_streams_per_session=2, **database) as (
            app, client):
        streams = [EventSource(client), EventSource(client)]
        third = client.get(EVENTS_PATH)
        assert third.status_code == 429 and third.json()["code"] == 42901
        streams[0].close()
        for stream in streams:
            stream.close()


def test_streams_per_process_are_capped(tmp_path, tiktok, database):
    with running_backend(tmp_path, tiktok, event_streams_per_process=1, **database) as (
            app, client):
        stream = EventSource(client)
        second = client.get(EVENTS_PATH)
        assert second.status_code == 503 and second.json()["code"] == 50301
        assert second.headers["retry-after"]
        stream.close()


def test_an_event_received_by_one_process_reaches_a_page_streaming_from_another(
        tmp_path, tiktok, redis_url, database):
    with running_backend(tmp_path / "a", tiktok, redis_url=redis_url, **database) as (
            app_a, client_a), \
            running_backend(tmp_path / "b", tiktok, redis_url=redis_url, **database) as (
                app_b, client_b):
        stream = EventSource(client_b)
        assert stream.next()["comment"] == "connected"
        tiktok.control("returns", shop_id=US_SHOP)
        assert deliver(client_a, notification(RETURN_STATUS_CHANGE)).status_code == 200
        message = stream.next("returns")
        assert '"shop_id":"%s"' % US_SHOP in message["data"]
        stream.close()
