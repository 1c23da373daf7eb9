"""Faults on demand: the next calls to a sandbox host fail, are slow, or are rate limited.

    faults = Faults()
    faults.inject("open_api", Fault(status=503), count=2)     # the next two calls: 503
    faults.inject("auth", Fault(delay_s=3), count=1)          # the next one takes 3 s more
    faults.inject("open_api", Fault(rate_limit=True), count=1)  # a TikTok-shaped 429
    Mount("/open-api", routes=..., middleware=[Middleware(InjectFaults, faults=faults,
                                                          target="open_api")])

What ``POST /control/faults`` sets up, so that a test (or a developer) can
show what the ISV backend does when TikTok is down, slow or busy. A new fault
for a host replaces the one still pending there. A delayed call without a
status goes through afterwards; one with a status answers with it (and
``code``, INJECTED_FAULT unless given) after the delay.
"""

import asyncio
import threading
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from . import errors
from .replies import tiktok_reply

TARGETS = ("open_api", "auth")
RETRY_AFTER_S = 1


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    code: int | None = None
    delay_s: float = 0
    rate_limit: bool = False


class Faults:
    def __init__(self):
        self._pending: dict[str, tuple[Fault, int]] = {}
        self._lock = threading.Lock()

    def inject(self, target: str, fault: Fault, count: int) -> None:
        with self._lock:
            self._pending[target] = (fault, count)

    def take(self, target: str) -> Fault | None:
        """The fault for this call to ``target``, if one is pending (counting it down)."""
        with self._lock:
            fault, count = self._pending.get(target, (None, 0))
            if fault is None:
                return None
            if count <= 1:
                del self._pending[target]
            else:
                self._pending[target] = (fault, count - 1)
            return fault


class InjectFaults:
    """ASGI middleware: apply the pending fault of ``target`` to each HTTP call."""

    def __init__(self, app: ASGIApp, faults: Faults, target: str):
        self.app = app
        self.faults = faults
        self.target = target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self.faults.take(self.target) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault.rate_limit:
            response = tiktok_reply(429, errors.RATE_LIMITED,
                                    f"Too many requests: try again in {RETRY_AFTER_S} s",
                                    headers={"retry-after": str(RETRY_AFTER_S)})
        elif fault.status:
            response = tiktok_reply(fault.status, fault.code or errors.INJECTED_FAULT,
                                    f"Injected fault: the {self.target} host answers "
                                    f"{fault.status}")
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
