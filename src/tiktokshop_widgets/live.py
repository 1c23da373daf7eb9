"""The backend's live events on the open page: return requests and connections, as they happen.

    live = LiveEvents(backend, page, on_summary=show_badge, on_connection=show_connect)
    live.open()        # an EventSource on backend_url + /api/v1/events, with the seller's cookie
    live.live          # True while the stream is up: poll the summary only while it is not
    live.close()

``on_summary(shop_id, summary)`` gets a ``ReturnsSummary`` for each ``returns``
event (TikTok told the backend a return request changed); an older summary
than one already passed on for that shop is dropped, so events out of order
never show a stale count. ``on_connection(change)`` gets a dict for each
``connection`` event: ``shop_id``, ``connected`` (False: the seller removed the
app's authorization for that shop), ``connect_url`` (usable by the page) and
``reconnect_by`` (an ISO-8601 UTC time, or None). ``on_state(live)`` hears when the
stream comes up or goes down.

The browser's EventSource reconnects by itself after a network drop (sending
``Last-Event-ID``, so missed events come first). When the backend refuses or
ends the stream, a new one is opened after ``RETRY_S`` seconds, doubling up to
``RETRY_CAP_S``. Handlers run as JS calls them, in order; their failures are
warnings in the console, never the stream's end.
"""

import asyncio
import json

from .background import in_background
from .backend import EVENTS_PATH
from .errors import BackendError
from .summary import summary_of

RETRY_S = 2
RETRY_CAP_S = 60
OPEN, CONNECTING, CLOSED = "open", "connecting", "closed"


class LiveEvents:
    """The backend's ``/api/v1/events`` stream for one page: ``open``, ``close``, ``live``."""

    def __init__(self, backend, page, on_summary=None, on_connection=None, on_state=None,
                 sleep=asyncio.sleep):
        self.backend = backend
        self.page = page
        self.on_summary = on_summary
        self.on_connection = on_connection
        self.on_state = on_state
        self.live = False
        self._sleep = sleep
        self._source = None
        self._proxies = []
        self._closed = True
        self._retry = RETRY_S
        self._checked_at = {}  # shop_id -> checked_at of the last summary passed on

    def open(self):
        """Start following the events (again, after ``close``)."""
        if not self._closed:
            return
        self._closed = False
        self._connect()

    def close(self):
        """Stop following: the stream closes, nothing reconnects."""
        self._closed = True
        self._disconnect()
        self._set_live(False)

    def _connect(self):
        self._proxies = [self.page.proxy(self._on_message), self.page.proxy(self._on_ready)]
        self._source = self.page.event_source(self.backend.url(EVENTS_PATH),
                                              self.backend.credentials == "include",
                                              ("returns", "connection"), *self._proxies)

    def _disconnect(self):
        if self._source is not None:
            self.page.close_event_source(self._source)
            self._source = None
        for proxy in self._proxies:
            self.page.release(proxy)
        self._proxies = []

    def _on_ready(self, state):
        if self._closed:
            return
        if state == OPEN:
            self._retry = RETRY_S
            self._set_live(True)
        elif state == CONNECTING:  # the browser retries by itself
            self._set_live(False)
        else:
            self._set_live(False)
            self._disconnect()
            in_background(self._reconnect_later(self._retry))
            self._retry = min(RETRY_CAP_S, self._retry * 2)

    async def _reconnect_later(self, delay):
        await self._sleep(delay)
        if not self._closed and self._source is None:
            self._connect()

    def _on_message(self, name, text):
        try:
            data = json.loads(text)
            if name == "returns":
                self._summary(data)
            elif name == "connection":
                self._connection(data)
        except (ValueError, TypeError, KeyError, BackendError) as error:
            self.page.warn("tiktokshop_widgets: skipped a " + str(name) + " event the backend "
                           "sent (" + str(error) + ")")
        except Exception as error:  # the app's handler: its failure is not the stream's
            self.page.warn("tiktokshop_widgets: a live event handler failed: " + str(error))

    def _summary(self, data):
        shop_id = str(data["shop_id"])
        summary = summary_of(data)
        if summary.checked_at < self._checked_at.get(shop_id, 0):
            return
        self._checked_at[shop_id] = summary.checked_at
        if self.on_summary is not None:
            self.on_summary(shop_id, summary)

    def _connection(self, data):
        connect_url = data.get("connect_url")
        change = {"shop_id": str(data["shop_id"]), "connected": data.get("connected") is True,
                  "connect_url": self.backend.resolve(connect_url)
                  if isinstance(connect_url, str) else None,
                  "reconnect_by": data.get("reconnect_by")}
        if self.on_connection is not None:
            self.on_connection(change)

    def _set_live(self, live):
        if live == self.live:
            return
        self.live = live
        if self.on_state is not None:
            self.on_state(live)
