"""How many return requests wait for the seller of a shop, and when the first is due.

    summaries = ReturnsSummaries(client, authorization, shared, clock, ttl=60)
    await summaries.for_shop(open_id, shop)
    # {"awaiting": 3, "due_within_24h": 1, "next_deadline": 1767258000, "checked_at": 1767225600,
    #  "next_deadline_return_id": "4035...", "newest_request_at": 1767220000}
    await summaries.for_shop(open_id, shop, fresh=True)   # after a decision: ask TikTok now
    await summaries.newest(open_id, shop)     # after a webhook: fresh, or newer if one came since

It searches the Return API (every page, every status) and counts the requests
whose ``seller_next_action_response`` holds an action; ``due_within_24h``
counts those whose earliest deadline is within a day (overdue ones included).
``next_deadline_return_id`` names the request due first and
``newest_request_at`` is the latest waiting request's ``create_time``: what
the page needs to tell the seller about each request once.
A shop's summary is reused for ``ttl`` seconds (in ``shared``: Redis with
``REDIS_URL``) and computed under the shop's lock: one search in flight per shop.
"""

import json

from tiktokshop_protocol import RETURNS_SEARCH_PATH

from ._authorization import SellerAuthorization
from ._client import OpenApiClient
from ._clock import Clock
from ._store import Shop

PAGE_SIZE = "50"
# A bound on pages, so that a reply that always names a next page cannot loop forever.
MAX_PAGES = 200
DAY_S = 24 * 60 * 60


class ReturnsSummaries:
    def __init__(self, client: OpenApiClient, authorization: SellerAuthorization, shared,
                 clock: Clock, ttl: int):
        self.client = client
        self.authorization = authorization
        self.shared = shared
        self.clock = clock
        self.ttl = ttl

    async def for_shop(self, open_id: str, shop: Shop, fresh: bool = False) -> dict:
        key = "returns-summary:" + shop.id
        if fresh:  # whoever searches after this (us, or one we wait for) is fresh enough
            await self.shared.delete(key)
        elif cached := await self._cached(key):
            return cached
        async with self.shared.lock(key):
            if cached := await self._cached(key):  # searched while we waited for the lock
                return cached
            summary = await self._search(open_id, shop)
            await self.shared.put(key, json.dumps(summary).encode(), self.ttl)
            return summary

    async def newest(self, open_id: str, shop: Shop) -> dict:
        """A fresh summary, or the one another search stored after it: whichever is newer,
        so that of two searches racing (two webhooks, two processes) the later one wins."""
        summary = await self.for_shop(open_id, shop, fresh=True)
        stored = await self._cached("returns-summary:" + shop.id)
        return stored if stored and stored["checked_at"] >= summary["checked_at"] else summary

    async def _cached(self, key: str) -> dict | None:
        blob = await self.shared.get(key)
        if blob is None:
            return None
        summary = json.loads(blob)
        return summary if summary["checked_at"] + self.ttl > self.clock.now() else None

    async def _search(self, open_id: str, shop: Shop) -> dict:
        deadlines = []  # (earliest deadline or None, return_id) of each waiting request
        created = []
        page_token = None
        for _ in range(MAX_PAGES):
            query = {"page_size": PAGE_SIZE, **({"page_token": page_token} if page_token else {})}
            data = await self.authorization.call(open_id, lambda access_token: self.client.open_api(
                "POST", RETURNS_SEARCH_PATH, access_token=access_token, shop_cipher=shop.cipher,
                query=query, body={}, read=True))
            for order in data.get("return_orders") or []:
                actions = [action for action in order.get("seller_next_action_response") or []
                           if isinstance(action, dict) and action.get("action")]
                if actions:
                    deadlines.append((min((int(a["deadline"]) for a in actions
                                           if str(a.get("deadline", "")).isdigit()),
                                          default=None), str(order.get("return_id", ""))))
                    if str(order.get("create_time", "")).isdigit():
                        created.append(int(order["create_time"]))
            page_token = data.get("next_page_token")
            if not page_token:
                break
        now = self.clock.now()
        known = [(deadline, return_id) for deadline, return_id in deadlines
                 if deadline is not None]
        first = min(known, default=(None, None))
        return {
            "awaiting": len(deadlines),
            "due_within_24h": sum(1 for deadline, _ in known if deadline <= now + DAY_S),
            "next_deadline": first[0],
            "next_deadline_return_id": first[1],
            "newest_request_at": max(created, default=None),
            "checked_at": int(now),
        }
