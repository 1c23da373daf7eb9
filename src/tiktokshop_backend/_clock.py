"""The clock the backend reads: anything with ``.now() -> float`` (unix seconds).

    clock = SystemClock()
    clock.now()              # time.time()
    iso_time(1767225600)     # "2026-01-01T00:00:00Z", as the page is told times

Token expiries (TikTok's access, refresh and widget tokens) are compared with
it, so a test or the dev server can pass one clock to the backend and the
sandbox and move both forward together.
"""

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the backend reads the time from: ``now()`` in unix seconds."""
    def now(self) -> float: ...


class SystemClock:
    """The wall clock (``time.time()``)."""
    def now(self) -> float:
        return time.time()


def iso_time(unix_seconds: float | None) -> str | None:
    """``2026-01-01T00:00:00Z`` (UTC, whole seconds), or None."""
    if unix_seconds is None:
        return None
    return datetime.fromtimestamp(int(unix_seconds), UTC).isoformat().replace("+00:00", "Z")
