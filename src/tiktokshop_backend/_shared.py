"""State shared by every process of one backend: rate limits, caches, locks, OAuth state.

    shared = shared_state(settings.redis_url)    # RedisShared with a URL, else MemoryShared
    if await shared.hit("token:ip", "30/minute", client_ip) ... # None, or seconds to wait
    await shared.put("oauth-state:abc", b"...", ttl=600); await shared.take("oauth-state:abc")
    if await shared.claim("checked:<x>", ttl=3600): ...         # first claim only: True once
    async with shared.lock("refresh:<open_id>"): ...             # one holder at a time
    async with shared.try_lock("refresher") as held: ...          # held: False if taken
    await shared.ping()                                           # raises if Redis is away
    await shared.aclose()
    check_redis(settings.redis_url)      # at start: RedisError unless Redis answers

Without Redis everything lives in this process (asyncio locks, a dict, the
``limits`` library's memory storage): one process needs no other service.
Those asyncio objects belong to the one event loop the app runs on (uvicorn
has one per process); driven from two loops at once (two TestClients entered
on one app, each with a loop of its own), asyncio's locks fail with "bound to
a different event loop" or wait forever, so ``MemoryShared`` refuses a second
running loop with a ``RuntimeError`` that says so.
With ``REDIS_URL`` the same calls go to Redis (redis-py's asyncio client, its
``Lock``, and ``limits``' Redis storage), so several workers or machines
share one set of limits, one cache and one holder of each lock. A lock is a
lease the holder renews while it works: a holder that dies (a killed machine)
frees it within ``LOCK_LEASE_S``.
"""

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from weakref import WeakValueDictionary

import limits
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis import Redis as BlockingRedis
from redis.asyncio import Redis
from redis.exceptions import LockNotOwnedError, RedisError

KEY_PREFIX = "tiktokshop-backend:"
# A lock holder that died (a killed worker) frees its locks after this long; a live one
# renews its lease every third of it.
LOCK_LEASE_S = 10
# Seconds to wait for Redis at start.
CHECK_TIMEOUT_S = 5


class _Limits:
    def __init__(self, storage):
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, namespace: str, rate: str, key: str) -> int | None:
        """Count one request; None if allowed, else whole seconds until it would be."""
        item = limits.parse(rate)
        if await self._limiter.hit(item, namespace, key):
            return None
        stats = await self._limiter.get_window_stats(item, namespace, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


class MemoryShared(_Limits):
    """Rate limits, caches, locks and OAuth state in this process: for one process."""
    def __init__(self):
        super().__init__(MemoryStorage())
        self._values: dict[str, tuple[bytes, float]] = {}
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _on_one_loop(self) -> None:
        """Refuse a second event loop while the first still runs (one that ended is
        replaced: a TestClient used without ``with`` runs each request on a new loop)."""
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            return
        if self._loop is not None and not self._loop.is_closed():
            raise RuntimeError(
                "the backend's in-process state (locks, rate limits) is in use on another "
                "event loop: run one app on one loop (two TestClients on one app must share "
                "one's portal)")
        self._loop = loop

    async def hit(self, namespace: str, rate: str, key: str) -> int | None:
        self._on_one_loop()
        return await super().hit(namespace, rate, key)

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        self._values[key] = (value, time.monotonic() + ttl)

    async def get(self, key: str) -> bytes | None:
        value, until = self._values.get(key, (None, 0.0))
        if value is not None and until <= time.monotonic():
            self._values.pop(key, None)
            return None
        return value

    async def take(self, key: str) -> bytes | None:
        """The value, removed so that nobody else gets it."""
        value = await self.get(key)
        self._values.pop(key, None)
        return value

    async def claim(self, key: str, ttl: float) -> bool:
        """True for the first claim of ``key`` within ``ttl`` seconds, False after."""
        if await self.get(key) is not None:
            return False
        await self.put(key, b"1", ttl)
        return True

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        self._on_one_loop()
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        async with lock:
            yield

    @asynccontextmanager
    async def try_lock(self, name: str) -> AsyncIterator[bool]:
        """The lock if nobody holds it (True), else at once False."""
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        if lock.locked():
            yield False
            return
        async with lock:
            yield True

    async def ping(self) -> None:
        """Nothing to reach: this process is the shared state."""

    async def aclose(self) -> None:
        self._values.clear()


class RedisShared(_Limits):
    """Rate limits, caches, locks and OAuth state in Redis at ``url``: for several
    processes or machines."""
    def __init__(self, url: str):
        super().__init__(RedisStorage(_limits_uri(url), implementation="redispy",
                                      key_prefix=KEY_PREFIX + "limits"))
        self._redis = Redis.from_url(url)

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        await self._redis.set(KEY_PREFIX + key, value, px=max(1, int(ttl * 1000)))

    async def get(self, key: str) -> bytes | None:
        return await self._redis.get(KEY_PREFIX + key)

    async def take(self, key: str) -> bytes | None:
        return await self._redis.getdel(KEY_PREFIX + key)

    async def claim(self, key: str, ttl: float) -> bool:
        return bool(await self._redis.set(KEY_PREFIX + key, b"1", nx=True,
                                          px=max(1, int(ttl * 1000))))

    async def delete(self, key: str) -> None:
        await self._redis.delete(KEY_PREFIX + key)

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        lock = self._redis.lock(KEY_PREFIX + "lock:" + name, timeout=LOCK_LEASE_S, sleep=0.02)
        await lock.acquire()
        async with _leased(lock):
            yield

    @asynccontextmanager
    async def try_lock(self, name: str) -> AsyncIterator[bool]:
        """The lock if no process holds it (True), else at once False; a lease renewed
        while held, like ``lock``'s."""
        lock = self._redis.lock(KEY_PREFIX + "lock:" + name, timeout=LOCK_LEASE_S)
        if not await lock.acquire(blocking=False):
            yield False
            return
        async with _leased(lock):
            yield True

    async def ping(self) -> None:
        await self._redis.ping()

    async def aclose(self) -> None:
        await self._redis.aclose()


@asynccontextmanager
async def _leased(lock) -> AsyncIterator[None]:
    """Hold an acquired Redis lock: its lease renewed while the block runs, released after."""
    renewing = asyncio.create_task(_renew(lock))
    try:
        yield
    finally:
        renewing.cancel()
        try:
            await lock.release()
        except LockNotOwnedError:  # the lease ran out (Redis was away): nothing to free
            pass


async def _renew(lock) -> None:
    try:
        while True:
            await asyncio.sleep(LOCK_LEASE_S / 3)
            await lock.reacquire()
    except RedisError:  # lost: release says so, or the lease runs out
        pass


def check_redis(url: str) -> None:
    """Raise RedisError (or ValueError, for a URL redis-py cannot use) unless Redis at
    ``url`` answers."""
    client = BlockingRedis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S,
                                    socket_timeout=CHECK_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()


def _limits_uri(url: str) -> str:
    """The limits library names its asyncio Redis storage async+redis://."""
    scheme, _, rest = url.partition("://")
    return f"async+{scheme}://{rest}"


def shared_state(redis_url: str | None) -> MemoryShared | RedisShared:
    """``RedisShared`` on ``redis_url``, or ``MemoryShared`` without one."""
    return RedisShared(redis_url) if redis_url else MemoryShared()
