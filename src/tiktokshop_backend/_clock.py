"""The clock the backend reads: anything with ``.now() -> float`` (unix seconds).

    clock = SystemClock()
    clock.now()              # time.time()

Token expiries (TikTok's access, refresh and widget tokens) are compared with
it, so a test or the dev server can pass one clock to the backend and the
sandbox and move both forward together.
"""

import time
from typing import Protocol


class Clock(Protocol):
    """What the backend reads the time from: ``now()`` in unix seconds."""
    def now(self) -> float: ...


class SystemClock:
    """The wall clock (``time.time()``)."""
    def now(self) -> float:
        return time.time()
