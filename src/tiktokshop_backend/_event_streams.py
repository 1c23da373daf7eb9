"""``GET /api/v1/events``: the seller's events as Server-Sent Events, for as long as the page is open.

    streams = EventStreams(feed, settings)
    response = streams.open(request, open_id)   # EventSourceResponse, or a JSON refusal

Events are ``returns`` (a shop's summary, the fields of ``/api/v1/returns/summary``
plus ``shop_id``) and ``connection`` (``shop_id``, ``connected``, ``connect_url``,
``reconnect_by``), each with an ``id`` that the browser's EventSource sends back
as ``Last-Event-ID`` when it reconnects: the missed ones come first. A comment
line every ``settings.event_heartbeat`` seconds keeps proxies from closing an
idle stream and tells the page the stream is alive (sse-starlette's ping).

Each process holds at most ``settings.event_streams_per_process`` streams (503
50301 beyond, Retry-After) and each session ``settings.event_streams_per_session``
in a process (429 42901: a page open in more tabs than that polls instead).
A stream ends when the session cookie would expire, so a stream never outlives
the session that opened it; its page then reconnects with the cookie it has now.
"""

import json
import time
from collections import Counter

from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from ._events import Overflowed
from ._sessions import MAX_AGE, backend_session, session_id

TOO_MANY_STREAMS_FOR_SESSION = 42901
TOO_MANY_STREAMS = 50301
# The browser's EventSource waits this long before it reconnects by itself (ms).
RECONNECT_MS = 3000
LAST_EVENT_ID_LENGTH = 64


class EventStreams:
    def __init__(self, feed, settings, reply):
        self.feed = feed
        self.settings = settings
        self._reply = reply  # the JSON API's reply builder, for refusals
        self._open = 0
        self._by_session: Counter[str] = Counter()

    def open(self, request: Request, open_id: str) -> Response:
        session = session_id(backend_session(request))
        if self._open >= self.settings.event_streams_per_process:
            return self._reply(503, TOO_MANY_STREAMS, "this server has too many live pages: "
                               "the page checks for news by itself meanwhile",
                               headers={"retry-after": "30"})
        if self._by_session[session] >= self.settings.event_streams_per_session:
            return self._reply(429, TOO_MANY_STREAMS_FOR_SESSION,
                               "this browser has too many live pages open: the others check "
                               "for news by themselves", headers={"retry-after": "60"})
        last_event_id = request.headers.get("last-event-id", "")[:LAST_EVENT_ID_LENGTH] or None
        return EventSourceResponse(
            self._events(open_id, session, last_event_id),
            ping=self.settings.event_heartbeat,
            headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    async def _events(self, open_id: str, session: str, last_event_id: str | None):
        # Counted from the stream's first step, so that the count is undone whatever ends it.
        self._open += 1
        self._by_session[session] += 1
        ends_at = time.monotonic() + MAX_AGE
        try:
            yield {"retry": RECONNECT_MS, "comment": "connected"}
            async with self.feed.subscribe(open_id, last_event_id) as subscription:
                while (left := ends_at - time.monotonic()) > 0:
                    try:
                        event = await subscription.next(timeout=left)
                    except Overflowed:
                        return  # the page reconnects and catches up from its last id
                    if event is not None:
                        yield {"id": event.id, "event": event.name,
                               "data": json.dumps(event.data, separators=(",", ":"))}
        finally:
            self._open -= 1
            self._by_session[session] -= 1
            if self._by_session[session] <= 0:
                del self._by_session[session]
