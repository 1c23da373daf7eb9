"""Widget tokens from TikTok, one shop at a time, cached until shortly before they expire.

    issuer = OpenApiWidgetTokenIssuer(client, settings.widget_token_path)
    tokens = WidgetTokens(issuer, authorization, shared, cipher, clock, margin=60)
    token = await tokens.for_shop(open_id, shop)        # WidgetToken(token, expire_at)

``WidgetTokenIssuer`` is the one interface to TikTok's widget-token call, whose
path is not public: ``OpenApiWidgetTokenIssuer`` makes it a signed, shop-scoped
Open API POST to ``settings.widget_token_path``; another issuer can be passed
to ``create_app``. ``WidgetTokens`` keeps each shop's token (encrypted, in
``shared``: Redis with ``REDIS_URL``) until ``margin`` seconds before its
``expire_at``, and asks for a new one under the shop's lock, so one request
per shop is in flight whatever the number of pages and workers asking.
"""

import json
from dataclasses import dataclass
from typing import Protocol

from ._authorization import SellerAuthorization
from ._client import OpenApiClient, OpenApiError
from ._clock import Clock
from ._metrics import Metrics
from ._store import Shop, StoreUnreadable, TokenCipher


@dataclass(frozen=True)
class WidgetToken:
    """A widget token from TikTok and its expiry (``expire_at``, unix seconds)."""
    token: str
    expire_at: int

    def __repr__(self) -> str:
        return f"WidgetToken(expire_at={self.expire_at})"


class WidgetTokenIssuer(Protocol):
    """Where widget tokens come from: ``issue(shop, access_token)`` -> ``WidgetToken``."""
    async def issue(self, shop: Shop, access_token: str) -> WidgetToken: ...


class OpenApiWidgetTokenIssuer:
    """Widget tokens from the Open API call at ``path`` (TikTok's widget onboarding
    names it: ``TIKTOKSHOP_WIDGET_TOKEN_PATH``)."""
    def __init__(self, client: OpenApiClient, path: str):
        self.client = client
        self.path = path

    async def issue(self, shop: Shop, access_token: str) -> WidgetToken:
        # Minting a token changes nothing on TikTok's side: safe to retry like a read.
        data = await self.client.open_api("POST", self.path, access_token=access_token,
                                          shop_cipher=shop.cipher, body={"partner_type": 1},
                                          read=True)
        token, expire_at = data.get("token"), data.get("expire_at")
        if not (isinstance(token, str) and token and isinstance(expire_at, (int, str))
                and str(expire_at).isdigit()):
            raise OpenApiError(self.path, 200, None, "the reply has no token and expire_at")
        return WidgetToken(token, int(expire_at))


class WidgetTokens:
    def __init__(self, issuer: WidgetTokenIssuer, authorization: SellerAuthorization, shared,
                 cipher: TokenCipher, clock: Clock, margin: int, metrics: Metrics | None = None):
        self.metrics = metrics or Metrics()
        self.issuer = issuer
        self.authorization = authorization
        self.shared = shared
        self.cipher = cipher
        self.clock = clock
        self.margin = margin

    async def for_shop(self, open_id: str, shop: Shop) -> WidgetToken:
        key = "widget-token:" + shop.id
        if cached := await self._cached(key):
            self.metrics.widget_token_cache("hit")
            return cached
        self.metrics.widget_token_cache("miss")
        async with self.shared.lock(key):
            if cached := await self._cached(key):  # fetched while we waited
                return cached
            token = await self.authorization.call(
                open_id, lambda access_token: self.issuer.issue(shop, access_token))
            usable_for = token.expire_at - self.margin - self.clock.now()
            if usable_for > 0:
                record = json.dumps({"token": token.token, "expire_at": token.expire_at})
                await self.shared.put(key, self.cipher.encrypt(record), usable_for)
            return token

    async def _cached(self, key: str) -> WidgetToken | None:
        blob = await self.shared.get(key)
        if blob is None:
            return None
        try:
            record = json.loads(self.cipher.decrypt(blob))
        except (StoreUnreadable, ValueError):  # written under another key: ask anew
            return None
        if record["expire_at"] - self.margin <= self.clock.now():
            return None
        return WidgetToken(record["token"], record["expire_at"])
