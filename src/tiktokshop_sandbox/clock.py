"""The sandbox's clock: what "now" is for tokens, timestamp windows and return deadlines.

    clock = Clock()                  # wall time
    clock = Clock(start=1767225600)  # stands still at 2026-01-01 until advanced (tests)
    clock.advance(3600)              # an hour later, for everyone holding this clock
    clock.now()                      # unix seconds, a float

Any object with ``now() -> float`` will do for the sandbox; ``POST /control/clock``
also needs ``advance(seconds)``. The dev server hands one Clock to both the
sandbox and the backend, so moving it moves TikTok and the ISV together.
"""

import threading
import time


class Clock:
    def __init__(self, start: float | None = None, wall=time.time):
        self._wall = wall
        self._frozen_at = start
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        base = self._wall() if self._frozen_at is None else self._frozen_at
        return base + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward (never back: expired tokens stay expired); the new now."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
