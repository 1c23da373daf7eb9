"""The backend's live events on the open page: return requests and connections, as they happen.

    live = LiveEvents(backend, on_summary=show_badge, on_connection=show_connect)
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
stream comes up or goes down, ``on_network(online)`` when the browser goes offline
or comes back. ``page`` (the JavaScript side) is the backend's unless given.

The browser's EventSource reconnects by itself after a network drop (sending
``Last-Event-ID``, so missed events come first). When the backend refuses or
ends the stream, a new one is opened after ``RETRY_S`` seconds, doubling up to
``RETRY_CAP_S``. While the browser is offline there is no stream and no attempt
(``state`` is "offline"): back online, or the page seen again while the stream
is down (a tab back from the background, whose throttled timers let the backoff
grow), a new stream opens at once and the backoff starts again. Handlers run as
JS calls them, in order; their failures are warnings in the console, never the
stream's end.
"""

import asyncio
import json

from .background import in_background
from .backend import EVENTS_PATH
from .errors import BackendError
from .summary import summary_of

RETRY_S = 2
RETRY_CAP_S = 60
# The EventSource's states, as the page reports them; and ours while there is no network.
OPEN, CONNECTING, CLOSED = "open", "connecting", "closed"
OFFLINE = "offline"


class LiveEvents:
    """The backend's ``/api/v1/events`` stream for one page: ``open``, ``close``, ``live``.

    ``on_summary(shop_id, summary)``: a ``ReturnsSummary`` (an older one than the last of
    its shop is dropped). ``on_connection(change)``: ``shop_id``, ``connected``,
    ``connect_url``, ``reconnect_by``. ``on_state(live)``: the stream came up or went
    down. ``on_network(online)``: the browser went offline or came back. ``state`` is
    "open", "connecting", "offline" or "closed"; ``online`` the browser's view of its
    network. ``page`` and ``sleep`` are for tests (the browser's, ``asyncio.sleep``).
    """

    def __init__(self, backend, on_summary=None, on_connection=None, on_state=None,
                 on_network=None, page=None, sleep=asyncio.sleep):
        self.backend = backend
        self.page = page if page is not None else backend.page  # the backend's: the browser's
        self.on_summary = on_summary
        self.on_connection = on_connection
        self.on_state = on_state
        self.on_network = on_network
        self.live = False
        self.online = True
        self.state = CLOSED  # "open", "connecting", "offline" or "closed"
        self._sleep = sleep
        self._source = None
        self._proxies = []
        self._presence = None  # (proxy, stop) while the page's surroundings are watched
        self._closed = True
        self._retry = RETRY_S
        self._connects = 0  # streams opened: a backoff wait ends in one only if none opened since
        self._checked_at = {}  # shop_id -> checked_at of the last summary passed on

    def open(self):
        """Start following the events (again, after ``close``)."""
        if not self._closed:
            return
        self._closed = False
        proxy = self.page.proxy(self._presence_changed)
        self._presence = (proxy, self.page.watch_presence(proxy))
        self.online = bool(self.page.online())
        if self.online:
            self._connect()
        else:
            self.state = OFFLINE

    def close(self):
        """Stop following: the stream closes, nothing reconnects."""
        self._closed = True
        self._disconnect()
        if self._presence is not None:
            proxy, stop = self._presence
            self._presence = None
            stop()
            self.page.release(proxy)
        self.state = CLOSED
        self._set_live(False)

    def _connect(self):
        self._connects += 1
        self.state = CONNECTING
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
            self.state = OPEN
            self._set_live(True)
        elif state == CONNECTING:  # the browser retries by itself
            self.state = CONNECTING
            self._set_live(False)
        else:
            self.state = CONNECTING
            self._set_live(False)
            self._disconnect()
            in_background(self._reconnect_later(self._retry, self._connects))
            self._retry = min(RETRY_CAP_S, self._retry * 2)

    async def _reconnect_later(self, delay, connects):
        await self._sleep(delay)
        if not self._closed and self.online and self._connects == connects:
            self._connect()

    def _presence_changed(self, online, visible):
        """The browser went offline or came back, or the page was hidden or shown."""
        if self._closed:
            return
        online, visible = bool(online), bool(visible)
        if online != self.online:
            self.online = online
            if online:
                self._reconnect_now()
            else:  # no futile attempts (each an error in the console) until it is back
                self._disconnect()
                self.state = OFFLINE
                self._set_live(False)
            if self.on_network is not None:
                self.on_network(online)
        elif online and visible and self._source is None:
            # Seen again while waiting out a backoff that its absence let grow: now. (A
            # source the browser is reconnecting by itself, with Last-Event-ID, stays.)
            self._reconnect_now()

    def _reconnect_now(self):
        self._disconnect()
        self._retry = RETRY_S
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
