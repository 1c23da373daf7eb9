"""Access tokens renewed in the background, before any page request needs a new one.

    refresher = TokenRefresher(authorization, store, shared, clock, metrics,
                               interval=60, ahead=3600)
    refresher.start()            # in the app's lifespan: a pass now, then every interval
    await refresher.run_pass()   # one pass: how many sellers it refreshed
    await refresher.next_pass()  # wait until a pass that starts after this call has ended
    await refresher.stop()

Each pass, one process among all those sharing ``shared`` (with Redis: every
worker on every machine; else just this one) holds the "refresher" lock and
refreshes, a few at a time, every seller whose access token expires within
``ahead`` seconds on ``clock``; a process that finds the lock held skips its
pass. Every refresh takes the seller's own lock and reads the seller again
(``SellerAuthorization.refresh_if_expiring``): a pass, an overlapping pass and
a page's on-demand refresh renew a seller once between them. A seller TikTok
refuses must reconnect (the page hears it); TikTok failing leaves the seller
for the next pass and, in the end, the on-demand refresh (``settings.refresh_margin``),
which stays the fallback. The interval is wall time; expiries are the clock's.
"""

import asyncio
import logging

from ._authorization import NotConnected, ReconnectNeeded, SellerAuthorization
from ._client import OpenApiError
from ._clock import Clock
from ._metrics import Metrics
from ._periodic import PeriodicPass
from ._store import TokenStore

logger = logging.getLogger("tiktokshop_backend.refresher")

PASS_LOCK = "refresher"
# Refreshes in flight at once in a pass: TikTok's auth host is not to be stormed.
CONCURRENT_REFRESHES = 4


class TokenRefresher(PeriodicPass):
    task_name = "tiktokshop-token-refresher"

    def __init__(self, authorization: SellerAuthorization, store: TokenStore, shared,
                 clock: Clock, metrics: Metrics, *, interval: float, ahead: int):
        super().__init__(interval=interval)
        self.authorization = authorization
        self.store = store
        self.shared = shared
        self.clock = clock
        self.metrics = metrics
        self.ahead = ahead

    async def run_pass(self) -> int:
        """Refresh the sellers whose access token expires within ``ahead``, if no other
        process is at it; how many were refreshed."""
        async with self.shared.try_lock(PASS_LOCK) as held:
            if not held:
                self.metrics.refresher_pass("skipped")
                return 0
            now = self.clock.now()
            before = now + self.ahead
            due = iter(await self.store.sellers_expiring(int(before), int(now)))
            refreshed = 0

            async def refresh_some() -> None:
                nonlocal refreshed
                for open_id in due:  # one iterator: each seller goes to one of them
                    refreshed += await self._refresh(open_id, before)

            await asyncio.gather(*(refresh_some() for _ in range(CONCURRENT_REFRESHES)))
            self.metrics.refresher_pass("ran")
            return refreshed

    async def _refresh(self, open_id: str, before: float) -> bool:
        try:
            return await self.authorization.refresh_if_expiring(open_id, before)
        except (NotConnected, ReconnectNeeded):  # gone, or must reconnect: nothing to do
            return False
        except OpenApiError as error:  # logged by the client; the next pass tries again
            logger.info("could not refresh seller %s's access token now (%s): the next "
                        "pass tries again", open_id, error.describe())
            return False

    def pass_ended(self, count: int) -> None:
        if count:
            logger.info("refreshed %d access token(s) ahead of their expiry", count)

    def pass_failed(self, error: Exception) -> None:
        self.metrics.refresher_pass("failed")
        logger.warning("the token refresher's pass failed (%s: %s); next in %g s",
                       type(error).__name__, error, self.interval)
