"""Time limits for the benchmark, so that it ends whatever a page does.

    deadline = Deadline(270)                  # the whole run's budget, in seconds
    timeout_ms = deadline.limit_ms(60)        # a page's limit, cut to what is left
    deadline.expired()                        # True once the budget is spent

A part that runs out of time or hangs is reported as failed (``Failure``) and
the run goes on with the next part; bench/run.py writes what was measured.
"""

import time


class OutOfTime(RuntimeError):
    """The run's time budget is spent: the part was not measured."""


class Deadline:
    # Less than this left is no time to measure anything in.
    MINIMUM_S = 2

    def __init__(self, seconds, clock=time.monotonic):
        self.clock = clock
        self.ends = clock() + seconds

    def remaining(self):
        return self.ends - self.clock()

    def expired(self):
        return self.remaining() < self.MINIMUM_S

    def limit_ms(self, cap_s):
        """``cap_s`` in ms, or what is left of the budget if less; OutOfTime if none is."""
        if self.expired():
            raise OutOfTime("the benchmark's time budget (--time-limit) was spent before this")
        return int(1000 * min(cap_s, self.remaining()))
