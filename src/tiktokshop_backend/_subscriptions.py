"""Every connected shop subscribed to the webhooks this app handles, through TikTok's Event API.

    subscriptions = WebhookSubscriptions(client, authorization, shared, settings.webhook_url)
    await subscriptions.ensure(open_id, shop)   # ["RETURN_STATUS_CHANGE", ...]: what it added
    await subscriptions.ensure_all()            # at start: every known shop, by one process

``ensure`` asks which webhooks the shop has (GET) and registers (PUT) only the
event types that are missing or point elsewhere. ``ensure_all`` runs at most
once per ``RECHECK_S`` across processes (a claim in the shared state: Redis
with ``REDIS_URL``), so that a fleet restarting does not ask TikTok
about every shop once per process. With no ``webhook_url`` nothing is
subscribed: the pages poll the returns summary, as the log says once at start.
"""

import logging

from tiktokshop_protocol import (
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    WEBHOOK_EVENT_TYPES,
    WEBHOOKS_PATH,
)

from ._authorization import NotConnected, ReconnectNeeded, SellerAuthorization
from ._client import OpenApiClient, OpenApiError
from ._store import Shop

logger = logging.getLogger("tiktokshop_backend.subscriptions")

# What the app handles (_webhooks.py), by the Event API's names.
EVENT_TYPES = tuple(name for name, number in WEBHOOK_EVENT_TYPES.items() if number in (
    RETURN_STATUS_CHANGE, SELLER_DEAUTHORIZATION, UPCOMING_AUTHORIZATION_EXPIRATION))
RECHECK_S = 60 * 60


class WebhookSubscriptions:
    def __init__(self, client: OpenApiClient, authorization: SellerAuthorization, shared,
                 webhook_url: str | None):
        self.client = client
        self.authorization = authorization
        self.shared = shared
        self.webhook_url = webhook_url

    async def ensure(self, open_id: str, shop: Shop) -> list[str]:
        """Subscribe ``shop`` to what it lacks; the event types added."""
        if not self.webhook_url:
            return []
        data = await self.authorization.call(open_id, lambda token: self.client.open_api(
            "GET", WEBHOOKS_PATH, access_token=token, shop_cipher=shop.cipher))
        registered = {hook.get("event_type"): hook.get("address")
                      for hook in data.get("webhooks") or [] if isinstance(hook, dict)}
        added = []
        for event_type in EVENT_TYPES:
            if registered.get(event_type) == self.webhook_url:
                continue
            body = {"address": self.webhook_url, "event_type": event_type}
            # Setting an address is idempotent: safe to retry like a read.
            await self.authorization.call(open_id, lambda token: self.client.open_api(
                "PUT", WEBHOOKS_PATH, access_token=token, shop_cipher=shop.cipher, body=body,
                read=True))
            added.append(event_type)
        if added:
            logger.info("shop %s subscribed to %s", shop.id, ", ".join(added))
        return added

    async def ensure_shops(self, open_id: str) -> None:
        """``ensure`` for each of the seller's shops; failures logged, not raised."""
        for shop in await self.authorization.shops(open_id):
            try:
                await self.ensure(open_id, shop)
            except (OpenApiError, NotConnected, ReconnectNeeded) as error:
                logger.warning("could not subscribe shop %s to webhooks (%s): its pages poll "
                               "until the next check", shop.id, _describe(error))

    async def ensure_all(self) -> None:
        """Check every known shop, unless another process did within ``RECHECK_S``."""
        if not self.webhook_url:
            logger.info("TIKTOKSHOP_WEBHOOK_URL is not set: no webhook subscriptions; "
                        "the pages poll the returns summary")
            return
        if not await self.shared.claim("webhook-subscriptions-checked", RECHECK_S):
            return
        for open_id in await self.authorization.sellers():
            await self.ensure_shops(open_id)


def _describe(error: Exception) -> str:
    if isinstance(error, OpenApiError):
        return error.describe()
    return "the seller must connect again"
