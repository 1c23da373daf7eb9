"""Rate limits of the token endpoint: per seller session and per client IP.

    limits = TokenRateLimits(per_session="30/minute", per_ip="300/minute")
    wait = limits.hit_ip("127.0.0.1")        # None: go on; else seconds until allowed
    wait = limits.hit_session(seller.id)

Counts are kept in memory with the ``limits`` library's moving window, which
suits one server process; several processes would share a Redis storage
instead (``limits.storage.RedisStorage``), with the same calls. The client IP
is the one uvicorn reports: behind a reverse proxy, the X-Forwarded-For address
when uvicorn trusts that proxy (``--forwarded-allow-ips``, env
``FORWARDED_ALLOW_IPS``; loopback, 127.0.0.1 and ::1, by default).
"""

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class TokenRateLimits:
    def __init__(self, per_session: str, per_ip: str):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_session = parse(per_session)
        self._per_ip = parse(per_ip)

    def hit_session(self, session_id: str) -> int | None:
        return self._hit(self._per_session, "session", session_id)

    def hit_ip(self, ip: str) -> int | None:
        return self._hit(self._per_ip, "ip", ip)

    def _hit(self, limit: RateLimitItem, *key: str) -> int | None:
        """Count one request; None if it is allowed, else whole seconds to wait."""
        if self._limiter.hit(limit, *key):
            return None
        reset_at = self._limiter.get_window_stats(limit, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))
