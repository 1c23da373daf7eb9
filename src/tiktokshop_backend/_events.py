"""Events for the sellers' open pages: published by any process, streamed by every one.

    feed = event_feed(settings.redis_url)          # RedisEventFeed with a URL, else MemoryEventFeed
    await feed.publish(open_id, "returns", {"shop_id": "749...", "awaiting": 3, ...})
    async with feed.subscribe(open_id, last_event_id="17") as subscription:
        event = await subscription.next(timeout=15)   # Event(id, name, data), or None
    await feed.aclose()

Each event has an id that grows with time (a counter in this process, the
Redis stream id with Redis), so a page that reconnects with ``Last-Event-ID``
gets what it missed, as long as the feed still keeps it (the last
``RETAINED`` events of all sellers). Without Redis the events stay in this
process. With Redis, ``publish`` appends to one capped Redis stream (XADD),
which one reader task per process follows (XREAD BLOCK) and hands to that
process's subscribers: one Redis connection per process, whatever the
number of open pages, and every process sees every event.

A subscriber that falls ``QUEUE_LIMIT`` events behind is dropped
(``Overflowed``): its page reconnects and catches up from its last id.
"""

import asyncio
import json
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ._shared import KEY_PREFIX

logger = logging.getLogger("tiktokshop_backend.events")

RETAINED = 10_000
QUEUE_LIMIT = 100
# How long one XREAD waits for news before asking again (it returns at once on news).
READ_BLOCK_MS = 5_000
# After Redis failed a read, the reader tries again after this long (doubling, up to the cap).
READ_RETRY_S = 0.5
READ_RETRY_CAP_S = 10.0


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    data: dict


class Overflowed(Exception):
    """The subscriber fell too far behind: close its stream; the page resumes from its last id."""


def _order(event_id: str) -> tuple[int, ...]:
    """Ids compare as numbers: "17" (a counter) or "1767225600000-3" (a Redis stream id)."""
    try:
        return tuple(int(part) for part in event_id.split("-"))
    except ValueError:
        return ()


class Subscription:
    """The events of one open stream, in order, each once."""

    def __init__(self, after: str | None):
        self._start = _order(after) if after else ()
        self._after = self._start
        self._events: deque[Event] = deque()
        self._ready = asyncio.Event()
        self.overflowed = False

    def push(self, event: Event) -> None:
        if _order(event.id) <= self._after:  # replayed already
            return
        if len(self._events) >= QUEUE_LIMIT:
            self.overflowed = True
        else:
            self._events.append(event)
            self._after = _order(event.id)
        self._ready.set()

    def replay(self, missed: list[Event]) -> None:
        """Put ``missed`` before the live events that arrived meanwhile, each once."""
        live = list(self._events)
        self._events.clear()
        self._after = self._start
        for event in missed + live:
            self.push(event)

    async def next(self, timeout: float) -> Event | None:
        """The next event, or None when none came within ``timeout`` seconds."""
        if not self._events and not self.overflowed:
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None
        if self._events:
            return self._events.popleft()
        raise Overflowed()


class _Subscribers:
    """This process's subscriptions, by seller."""

    def __init__(self):
        self._by_seller: dict[str, set[Subscription]] = defaultdict(set)

    def add(self, open_id: str, subscription: Subscription) -> None:
        self._by_seller[open_id].add(subscription)

    def remove(self, open_id: str, subscription: Subscription) -> None:
        subscriptions = self._by_seller.get(open_id)
        if subscriptions is not None:
            subscriptions.discard(subscription)
            if not subscriptions:
                del self._by_seller[open_id]

    def deliver(self, open_id: str, event: Event) -> None:
        for subscription in list(self._by_seller.get(open_id, ())):
            subscription.push(event)

    def __len__(self) -> int:
        return sum(len(subscriptions) for subscriptions in self._by_seller.values())


class MemoryEventFeed:
    def __init__(self, retained: int = RETAINED):
        self._log: deque[tuple[str, Event]] = deque(maxlen=retained)
        self._counter = 0
        self._subscribers = _Subscribers()

    async def publish(self, open_id: str, name: str, data: dict) -> None:
        self._counter += 1
        event = Event(str(self._counter), name, data)
        self._log.append((open_id, event))
        self._subscribers.deliver(open_id, event)

    @asynccontextmanager
    async def subscribe(self, open_id: str,
                        last_event_id: str | None = None) -> AsyncIterator[Subscription]:
        subscription = Subscription(last_event_id)
        if last_event_id:  # nothing awaits between the replay and joining: no gap, no repeat
            for owner, event in self._log:
                if owner == open_id:
                    subscription.push(event)
        self._subscribers.add(open_id, subscription)
        try:
            yield subscription
        finally:
            self._subscribers.remove(open_id, subscription)

    async def aclose(self) -> None:
        self._log.clear()


class RedisEventFeed:
    def __init__(self, url: str, retained: int = RETAINED):
        self._redis = Redis.from_url(url)
        self._stream = KEY_PREFIX + "events"
        self._retained = retained
        self._subscribers = _Subscribers()
        self._reader: asyncio.Task | None = None
        self._started: asyncio.Future | None = None

    async def publish(self, open_id: str, name: str, data: dict) -> None:
        await self._redis.xadd(self._stream, {"open_id": open_id, "name": name,
                                              "data": json.dumps(data)},
                               maxlen=self._retained, approximate=True)

    @asynccontextmanager
    async def subscribe(self, open_id: str,
                        last_event_id: str | None = None) -> AsyncIterator[Subscription]:
        await self._start_reader()
        subscription = Subscription(last_event_id)
        self._subscribers.add(open_id, subscription)  # live events queue up during the replay
        try:
            if last_event_id and _order(last_event_id):
                missed = [event for owner, event in await self._entries(
                    await self._redis.xrange(self._stream, "(" + last_event_id, "+"))
                    if owner == open_id]
                subscription.replay(missed)
            yield subscription
        finally:
            self._subscribers.remove(open_id, subscription)

    async def _start_reader(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            self._reader = asyncio.create_task(self._read(), name="event feed reader")
        await asyncio.shield(self._started)

    async def _read(self) -> None:
        started = self._started
        last = "0-0"
        retry = READ_RETRY_S
        while True:
            try:
                if not started.done():
                    newest = await self._redis.xrevrange(self._stream, "+", "-", count=1)
                    last = newest[0][0].decode() if newest else "0-0"
                    started.set_result(None)
                replies = await self._redis.xread({self._stream: last}, block=READ_BLOCK_MS,
                                                  count=500)
                retry = READ_RETRY_S
            except (RedisError, OSError) as error:
                logger.warning("the event feed cannot read Redis (%s): trying again in %.1f s",
                               type(error).__name__, retry)
                await asyncio.sleep(retry)
                retry = min(READ_RETRY_CAP_S, retry * 2)
                continue
            for _stream, entries in replies:
                for owner, event in await self._entries(entries):
                    last = event.id
                    self._subscribers.deliver(owner, event)

    @staticmethod
    async def _entries(entries) -> list[tuple[str, Event]]:
        events = []
        for entry_id, fields in entries:
            try:
                events.append((fields[b"open_id"].decode(), Event(
                    entry_id.decode(), fields[b"name"].decode(), json.loads(fields[b"data"]))))
            except (KeyError, ValueError):
                logger.warning("skipped a malformed event %s in the feed", entry_id)
        return events

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
        await self._redis.aclose()


def event_feed(redis_url: str | None) -> MemoryEventFeed | RedisEventFeed:
    return RedisEventFeed(redis_url) if redis_url else MemoryEventFeed()
