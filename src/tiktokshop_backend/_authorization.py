"""Sellers authorize the app on TikTok Shop (OAuth); their access tokens stay fresh.

    auth = SellerAuthorization(settings, client, store, shared, clock, on_disconnected=...)
    url = auth.authorize_url(state)              # TikTok's authorize page, for the browser
    seller = await auth.connect(auth_code)       # the callback's code: tokens and shops stored
    data = await auth.call(open_id, lambda token: client.open_api(..., access_token=token))
    await auth.refresh_if_expiring(open_id, before=now + 3600)   # the background refresher's
    await auth.reconnect_by(open_id)             # unix seconds when within 7 days (or TikTok said)

``call`` hands out the seller's access token, refreshed first when it expires
within ``settings.refresh_margin`` seconds, and once more with a refreshed token
if TikTok refuses it (401): TikTok's clock, not ours, decides when it expired.
Refreshing takes the seller's lock (``shared.lock``, Redis-backed with
``REDIS_URL``), and whoever gets it second finds the new token already stored:
one refresh in flight per seller, across every worker. A refresh token that has
expired or that TikTok refuses means the seller must authorize again:
``ReconnectNeeded``, remembered for a while so that the seller's page hears it too.
A refresh token that ends within ``RECONNECT_WARNING_S`` (7 days) cannot be
renewed by refreshing: ``reconnect_by`` names that date so the page can warn early.
Then ``on_disconnected(seller)`` (a ``SellerProfile``) tells the ISV's code, again
whenever the backend finds the connection lapsed after that memory ran out (at most
every ``REFUSED_REFRESH_MEMORY_S``): an ISV marks its user's link broken, idempotently.
"""

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from tiktokshop_protocol import SHOPS_PATH, TOKEN_GET_PATH, TOKEN_REFRESH_PATH

from ._client import OpenApiClient, OpenApiError
from ._clock import Clock
from ._metrics import Metrics
from ._store import SellerTokens, Shop, TokenStore

logger = logging.getLogger("tiktokshop_backend.authorization")

T = TypeVar("T")
# After TikTok refused a seller's refresh token, how long the seller's page is told to
# reconnect without asking TikTok again (short: a wrong app secret is refused alike).
REFUSED_REFRESH_MEMORY_S = 10 * 60
# A seller whose refresh token ends sooner than this is told to reconnect by then.
RECONNECT_WARNING_S = 7 * 24 * 3600


@dataclass(frozen=True)
class SellerProfile:
    """A seller who connected (or whose connection lapsed): what an ISV keeps of them.

    ``open_id`` is TikTok's id of the seller, the one a seller hook returns."""
    open_id: str
    name: str
    region: str
    shops: tuple[Shop, ...]


SellerCallback = Callable[[SellerProfile], "Awaitable[None] | None"]


async def run_callback(callback: Callable | None, *args):
    """``callback(*args)``, awaited if it is a coroutine function's; None without one."""
    if callback is None:
        return None
    result = callback(*args)
    return await result if inspect.isawaitable(result) else result


class NotConnected(Exception):
    """The seller never authorized this app (or its record is gone)."""


class ReconnectNeeded(Exception):
    """The seller's refresh token expired or was refused: they must authorize again."""


class SellerAuthorization:
    """Sellers' TikTok authorization: the OAuth exchange, their shops, and access
    tokens refreshed before they expire (one refresh at a time per seller)."""

    def __init__(self, settings, client: OpenApiClient, store: TokenStore, shared, clock: Clock,
                 on_disconnected: SellerCallback | None = None, metrics: Metrics | None = None):
        self.settings = settings
        self.client = client
        self.store = store
        self.shared = shared
        self.clock = clock
        self.on_disconnected = on_disconnected
        self.metrics = metrics or Metrics()

    def authorize_url(self, state: str) -> str:
        """TikTok's authorize page for this app, carrying ``state``."""
        query = urlencode({"service_id": self.settings.service_id, "state": state})
        return f"{self.settings.authorize_url}?{query}"

    async def connect(self, auth_code: str) -> SellerProfile:
        """Exchange the callback's code for tokens, fetch the authorized shops, store
        both; the seller."""
        data = await self.client.auth(TOKEN_GET_PATH, {"auth_code": auth_code,
                                                       "grant_type": "authorized_code"})
        seller = _seller_tokens(TOKEN_GET_PATH, data)
        reply = await self.client.open_api("GET", SHOPS_PATH, access_token=seller.access_token)
        shops = _shops(reply)
        await self.store.save_seller(seller, shops)
        await self.shared.delete(_refused_key(seller.open_id))
        logger.info("seller %s connected %d shop(s)", seller.open_id, len(shops))
        return SellerProfile(seller.open_id, seller.name, seller.region, tuple(shops))

    async def seller(self, open_id: str) -> SellerTokens:
        """The stored seller; NotConnected or ReconnectNeeded when there is none to use."""
        seller = await self.store.seller(open_id)
        if seller is None:
            raise NotConnected(open_id)
        if await self.shared.get(_refused_key(open_id)):
            raise ReconnectNeeded(open_id)
        if seller.refresh_expire_at <= self.clock.now():
            logger.info("seller %s's refresh token expired: the seller must authorize the "
                        "app again", open_id)
            await self._lapsed(seller)
            raise ReconnectNeeded(open_id)
        return seller

    async def shops(self, open_id: str) -> list[Shop]:
        """The shops the seller ``open_id`` authorized, in order."""
        return await self.store.shops(open_id)

    async def sellers(self) -> list[str]:
        """Every connected seller's open_id."""
        return await self.store.sellers()

    async def shop_owner(self, shop_id: str) -> tuple[str, Shop] | None:
        """The seller who connected ``shop_id``, and the shop; None for a shop nobody has."""
        return await self.store.shop_owner(shop_id)

    async def remove_shop(self, shop_id: str, webhook: str | None = None) -> str | None:
        """Forget a shop whose authorization TikTok removed (the ``webhook`` that said so
        notes it); the seller who had it."""
        return await self.store.remove_shop(shop_id, webhook)

    async def ask_to_reconnect(self, open_id: str, by: int) -> None:
        """TikTok said the seller's authorization ends at ``by`` (unix seconds): remember it
        until then, for who-am-I's ``reconnect_by``."""
        await self.shared.put(_reconnect_key(open_id), str(by).encode(),
                              max(1, by - self.clock.now()))

    async def reconnect_by(self, open_id: str, seller: SellerTokens | None = None) -> int | None:
        """When the seller must connect again by (unix seconds): the sooner of what TikTok
        said (a webhook) and the refresh token's end, that one only once it is within
        ``RECONNECT_WARNING_S``; None when neither. ``seller``: the stored one, if read."""
        value = await self.shared.get(_reconnect_key(open_id))
        dates = [int(value)] if value else []
        seller = seller or await self.store.seller(open_id)
        if seller and seller.refresh_expire_at - self.clock.now() <= RECONNECT_WARNING_S:
            dates.append(seller.refresh_expire_at)
        return min(dates, default=None)

    async def access_token(self, open_id: str, refused: str | None = None) -> str:
        """A usable access token: the stored one unless it expires soon or is ``refused``."""
        seller = await self.seller(open_id)
        if self._usable(seller, refused):
            return seller.access_token
        async with self.shared.lock("refresh:" + open_id):
            seller = await self.seller(open_id)  # another worker may have refreshed it
            if self._usable(seller, refused):
                return seller.access_token
            return (await self._refresh(seller, "on_demand")).access_token

    async def refresh_if_expiring(self, open_id: str, before: float) -> bool:
        """Refresh the seller's access token if it expires by ``before`` (whether it was
        refreshed); under the seller's lock, so that a seller is refreshed once."""
        async with self.shared.lock("refresh:" + open_id):
            seller = await self.seller(open_id)
            if seller.access_expire_at > before:
                return False
            await self._refresh(seller, "background")
            return True

    async def call(self, open_id: str, send: Callable[[str], Awaitable[T]]) -> T:
        """``send(access_token)``, again with a refreshed token if TikTok refused the first."""
        token = await self.access_token(open_id)
        try:
            return await send(token)
        except OpenApiError as error:
            if not error.token_refused:
                raise
            logger.info("TikTok refused seller %s's access token (%s): refreshing it",
                        open_id, error.describe())
        return await send(await self.access_token(open_id, refused=token))

    def _usable(self, seller: SellerTokens, refused: str | None) -> bool:
        return (seller.access_token != refused
                and seller.access_expire_at - self.settings.refresh_margin > self.clock.now())

    async def _refresh(self, seller: SellerTokens, trigger: str) -> SellerTokens:
        try:
            data = await self.client.auth(TOKEN_REFRESH_PATH, {
                "refresh_token": seller.refresh_token, "grant_type": "refresh_token"})
        except OpenApiError as error:
            if error.status is None or error.status >= 500 or error.rate_limited:
                self.metrics.refresh(trigger, "failed")
                raise
            self.metrics.refresh(trigger, "refused")
            logger.warning("TikTok refused seller %s's refresh token (%s): the seller must "
                           "authorize the app again (or the app key/secret is wrong)",
                           seller.open_id, error.describe())
            await self._lapsed(seller)
            raise ReconnectNeeded(seller.open_id) from error
        try:
            fresh = _seller_tokens(TOKEN_REFRESH_PATH, data, seller)
        except OpenApiError:
            self.metrics.refresh(trigger, "failed")
            raise
        # Committed before anyone uses it: TikTok may have retired the old refresh token.
        await self.store.save_seller(fresh)
        self.metrics.refresh(trigger, "ok")
        logger.info("refreshed seller %s's access token (%s)", seller.open_id,
                    trigger.replace("_", "-"))
        return fresh

    async def _lapsed(self, seller: SellerTokens) -> None:
        """Remember that the seller must reconnect, and tell ``on_disconnected``: its
        failure is logged, not the seller's (their page hears ReconnectNeeded alike)."""
        await self.shared.put(_refused_key(seller.open_id), b"1", REFUSED_REFRESH_MEMORY_S)
        shops = await self.shops(seller.open_id)
        profile = SellerProfile(seller.open_id, seller.name, seller.region, tuple(shops))
        try:
            await run_callback(self.on_disconnected, profile)
        except Exception:
            logger.exception("on_seller_disconnected failed for seller %s", seller.open_id)


def _reconnect_key(open_id: str) -> str:
    return "reconnect-by:" + open_id


def _refused_key(open_id: str) -> str:
    return "refresh-refused:" + open_id


def _seller_tokens(path: str, data: dict, previous: SellerTokens | None = None) -> SellerTokens:
    """The tokens of a token get/refresh reply (``*_expire_in`` are absolute unix seconds)."""
    try:
        return SellerTokens(
            open_id=_text(data.get("open_id") or (previous and previous.open_id)),
            name=str(data.get("seller_name") or (previous.name if previous else "")),
            region=str(data.get("seller_base_region") or (previous.region if previous else "")),
            access_token=_text(data["access_token"]),
            access_expire_at=int(data["access_token_expire_in"]),
            refresh_token=_text(data["refresh_token"]),
            refresh_expire_at=int(data["refresh_token_expire_in"]),
        )
    except (KeyError, TypeError, ValueError):
        raise OpenApiError(path, 200, None, "the token reply lacks the tokens or their expiry "
                           f"(fields: {', '.join(sorted(data))[:200]})") from None


def _shops(data: dict) -> list[Shop]:
    try:
        return [Shop(_text(shop["id"]), str(shop.get("name", "")), str(shop.get("region", "")),
                     _text(shop["cipher"])) for shop in data["shops"]]
    except (KeyError, TypeError, ValueError):
        raise OpenApiError(SHOPS_PATH, 200, None, "the shops reply is not a list of shops "
                           "with id and cipher") from None


def _text(value) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or value == "":
        raise ValueError("not a string")
    return str(value)
