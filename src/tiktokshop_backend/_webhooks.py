"""TikTok's webhooks: verified, acknowledged at once, processed once, carried to the pages.

    webhooks = Webhooks(services, connect_url)       # connect_url(request): the page's link
    Route(settings.webhook_path, webhooks.receive, methods=["POST"])

A delivery is a ``POST`` with a JSON body and ``Authorization: <signature>``
(open-api.md, "Webhooks"). The receiver reads at most ``MAX_BODY_BYTES`` (413
beyond), refuses a missing or wrong signature (401: nothing is processed) and a
body that is no notification (400), and acknowledges the rest with 200 before
doing the work, which Starlette runs once the reply is sent. Each
``tts_notification_id`` is claimed once in the shared state (Redis with
``REDIS_URL``: across processes and machines) for TikTok's 72-hour retry
window, so a duplicate is acknowledged and has no second effect.

- 12 RETURN_STATUS_CHANGE: the shop's summary is searched anew (the cached one
  dropped) and pushed to its seller's pages as a ``returns`` event. It comes
  from the Return API, not from the delivery, and the newest summary computed
  meanwhile is the one pushed: deliveries out of order cannot show a stale count.
- 6 SELLER_DEAUTHORIZATION: the shop is forgotten, its pages are told
  (``connection``, ``connected: false``).
- 7 UPCOMING_AUTHORIZATION_EXPIRATION: the seller is asked to reconnect before
  ``expiration_time`` (who-am-I's ``reconnect_by``), and the pages are told.
- Any other type is acknowledged and ignored.
"""

import json
import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse

from tiktokshop_protocol import (
    RETRY_WINDOW_S,
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    WEBHOOK_SIGNATURE_HEADER,
    verify_webhook,
)

from ._client import OpenApiError
from ._clock import iso_time

logger = logging.getLogger("tiktokshop_backend.webhooks")

MAX_BODY_BYTES = 64 * 1024
BAD_SIGNATURE = 40102
NOT_A_NOTIFICATION = 40001
BODY_TOO_LARGE = 41300


def _reply(status: int, code: int, message: str, background=None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status,
                        headers={"cache-control": "no-store"}, background=background)


class Webhooks:
    def __init__(self, services, connect_url):
        self.services = services
        self.settings = services.settings
        self._connect_url = connect_url

    async def receive(self, request: Request) -> JSONResponse:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _reply(413, BODY_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
        body = bytes(body)
        if not verify_webhook(self.settings.app_key, self.settings.app_secret, body,
                              request.headers.get(WEBHOOK_SIGNATURE_HEADER)):
            logger.warning("refused a webhook delivery with a missing or wrong signature")
            return _reply(401, BAD_SIGNATURE, "the Authorization signature does not match")
        notification = _notification(body)
        if notification is None:
            return _reply(400, NOT_A_NOTIFICATION, "the body is not a TikTok Shop notification")
        claimed = await self.services.shared.claim(
            "webhook:" + notification["tts_notification_id"], RETRY_WINDOW_S)
        if not claimed:
            logger.info("webhook %s (type %s) came again: acknowledged, already handled",
                        notification["tts_notification_id"], notification["type"])
            return _reply(200, 0, "success")
        return _reply(200, 0, "success", BackgroundTask(self.handle, notification, request))

    async def handle(self, notification: dict, request: Request) -> None:
        """The work a delivery asks for; failures are logged (TikTok was already answered)."""
        kind = notification["type"]
        shop_id = notification["shop_id"]
        try:
            if kind == RETURN_STATUS_CHANGE:
                await self._returns_changed(shop_id)
            elif kind == SELLER_DEAUTHORIZATION:
                await self._deauthorized(shop_id, request)
            elif kind == UPCOMING_AUTHORIZATION_EXPIRATION:
                await self._expiring(shop_id, notification["data"], request)
            else:
                logger.info("webhook type %s is not one this app handles: ignored", kind)
        except OpenApiError as error:
            logger.warning("webhook %s for shop %s: %s (pages still poll)",
                           notification["tts_notification_id"], shop_id, error.describe())
        except Exception:
            logger.exception("webhook %s for shop %s failed (pages still poll)",
                             notification["tts_notification_id"], shop_id)

    async def _returns_changed(self, shop_id: str) -> None:
        owner = await self.services.authorization.shop_owner(shop_id)
        if owner is None:
            logger.info("a return changed in shop %s, which no seller connected", shop_id)
            return
        open_id, shop = owner
        summary = await self.services.returns_summaries.newest(open_id, shop)
        await self.services.events.publish(open_id, "returns", {**summary, "shop_id": shop.id})

    async def _deauthorized(self, shop_id: str, request: Request) -> None:
        open_id = await self.services.authorization.remove_shop(shop_id)
        if open_id is None:
            return
        logger.info("seller %s removed the app's authorization for shop %s", open_id, shop_id)
        await self.services.events.publish(open_id, "connection", {
            "shop_id": shop_id, "connected": False, "connect_url": self._connect_url(request),
            "reconnect_by": None})

    async def _expiring(self, shop_id: str, data: dict, request: Request) -> None:
        owner = await self.services.authorization.shop_owner(shop_id)
        expiration = data.get("expiration_time")
        if owner is None or not isinstance(expiration, int) or isinstance(expiration, bool):
            return
        open_id, shop = owner
        await self.services.authorization.ask_to_reconnect(open_id, expiration)
        await self.services.events.publish(open_id, "connection", {
            "shop_id": shop.id, "connected": True, "connect_url": self._connect_url(request),
            "reconnect_by": iso_time(await self.services.authorization.reconnect_by(open_id))})


def _notification(body: bytes) -> dict | None:
    """The delivery, when it has what every notification has (open-api.md); else None."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    kind, notification_id, shop_id = (value.get("type"), value.get("tts_notification_id"),
                                      value.get("shop_id"))
    if (not isinstance(kind, int) or isinstance(kind, bool)
            or not isinstance(notification_id, str) or not notification_id
            or len(notification_id) > 64 or not isinstance(shop_id, (str, int))
            or isinstance(shop_id, bool)):
        return None
    data = value.get("data")
    return {"type": kind, "tts_notification_id": notification_id, "shop_id": str(shop_id),
            "data": data if isinstance(data, dict) else {}}

