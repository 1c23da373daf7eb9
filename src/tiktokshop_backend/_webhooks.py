"""TikTok's webhooks: verified, recorded, acknowledged, processed once, carried to the pages.

    webhooks = Webhooks(settings, store, authorization, summaries, events, clock, metrics,
                        connect_url)                 # connect_url(request): the page's link
    Route(settings.webhook_path, webhooks.receive, methods=["POST"])
    retries = WebhookRetries(webhooks, shared, interval=30)
    retries.start()              # in the app's lifespan: a pass now, then every interval
    await retries.run_pass()     # one pass: how many webhooks it did
    await retries.stop()

A delivery is a ``POST`` with a JSON body and ``Authorization: <signature>``
(open-api.md, "Webhooks"). The receiver reads at most ``MAX_BODY_BYTES`` (413
beyond), refuses a missing or wrong signature (401: nothing is processed) and a
body that is no notification (400). The rest is recorded in the database in
one insert, before the answer (``TokenStore.receive_webhook``): that insert is
what tells a new notification from a duplicate (its ``tts_notification_id`` is
the table's key), so every process on every machine agrees, and a duplicate is
acknowledged with no second effect. A database that is away is a 503: TikTok
delivers again later. After the 200 the work runs (Starlette runs it once the
reply is sent) and the record is marked done.

The process may die before that: a record stays pending, its attempt presumed
dead after ``ATTEMPT_LEASE_S``. Then ``WebhookRetries`` takes it again: a pass
at start and every ``interval`` seconds, run by one process among all those
sharing ``shared`` (the refresher's pattern), takes every pending record whose
next attempt is due, in one conditional update each (two passes cannot both
take it). A failed attempt (TikTok or the database away) is tried again after
``RETRY_BASE_S``, doubling up to ``RETRY_MAX_S``; after ``MAX_ATTEMPTS`` the
record is given up, said in one log line. Done and given-up records are pruned
``RETRY_WINDOW_S`` (72 h, TikTok's retry window) after they were received.

The work is safe to do twice (a retry after a process died half-way):
- 12 RETURN_STATUS_CHANGE: the shop's summary is searched anew (the cached one
  dropped) and pushed to its seller's pages as a ``returns`` event. It comes
  from the Return API, not from the delivery, and the newest summary computed
  meanwhile is the one pushed: deliveries out of order, or done again, cannot
  show a stale count.
- 6 SELLER_DEAUTHORIZATION: the shop is forgotten and, in the same transaction,
  its seller noted on the record; the pages are told (``connection``,
  ``connected: false``), on a retry too (the seller read from the record).
- 7 UPCOMING_AUTHORIZATION_EXPIRATION: the seller is asked to reconnect before
  ``expiration_time`` (who-am-I's ``reconnect_by``: the same value again), and
  the pages are told.
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

from ._authorization import NotConnected, ReconnectNeeded
from ._client import OpenApiError
from ._clock import iso_time
from ._periodic import PeriodicPass
from ._store import ReceivedWebhook, StoreUnavailable

logger = logging.getLogger("tiktokshop_backend.webhooks")

MAX_BODY_BYTES = 64 * 1024
BAD_SIGNATURE = 40102
NOT_A_NOTIFICATION = 40001
BODY_TOO_LARGE = 41300
# An attempt not done after this long is presumed dead (its process was killed): the next
# pass takes the webhook again. Longer than any attempt's calls to TikTok take.
ATTEMPT_LEASE_S = 120
# After a failed attempt, the next one waits this long, doubled each time up to RETRY_MAX_S.
RETRY_BASE_S = 30
RETRY_MAX_S = 30 * 60
# Attempts in all (the receiver's first included) before a webhook is given up: about an
# hour and a half of TikTok or the database failing.
MAX_ATTEMPTS = 8
PASS_LOCK = "webhook-retries"
# Pending webhooks read at once by a pass (it reads again until none is due).
PASS_BATCH = 100


def _reply(status: int, code: int, message: str, background=None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status,
                        headers={"cache-control": "no-store"}, background=background)


class Webhooks:
    def __init__(self, settings, store, authorization, returns_summaries, events, clock,
                 metrics, connect_url):
        self.settings = settings
        self.store = store
        self.authorization = authorization
        self.returns_summaries = returns_summaries
        self.events = events
        self.clock = clock
        self.metrics = metrics
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
        now = int(self.clock.now())
        webhook = ReceivedWebhook(
            notification["tts_notification_id"], notification["type"], notification["shop_id"],
            body.decode(), self._connect_url(request), received_at=now,
            next_attempt_at=now + ATTEMPT_LEASE_S)
        if not await self.store.receive_webhook(webhook):  # StoreUnavailable: a 503
            self.metrics.webhook("duplicate")
            logger.info("webhook %s (type %s) came again: acknowledged, already received",
                        webhook.notification_id, webhook.type)
            return _reply(200, 0, "success")
        self.metrics.webhook("received")
        return _reply(200, 0, "success", BackgroundTask(self.process, webhook))

    async def process(self, webhook: ReceivedWebhook) -> bool:
        """Do the work of a webhook this process took, then record it done; a failure is
        recorded to be tried again (or given up). Whether it is done."""
        try:
            await self.handle(webhook)
            await self.store.webhook_done(webhook.notification_id)
        except Exception as error:
            await self._failed(webhook, error)
            return False
        self.metrics.webhook("done")
        return True

    async def _failed(self, webhook: ReceivedWebhook, error: Exception) -> None:
        if isinstance(error, (OpenApiError, StoreUnavailable)):
            why = str(error)  # one line each, without secrets
        else:
            why = type(error).__name__
            logger.exception("webhook %s for shop %s failed", webhook.notification_id,
                             webhook.shop_id)
        if webhook.attempts >= MAX_ATTEMPTS:
            await self.give_up(webhook, why)
            return
        wait = min(RETRY_MAX_S, RETRY_BASE_S * 2 ** (webhook.attempts - 1))
        logger.warning("webhook %s (type %s) for shop %s: attempt %d failed (%s); trying "
                       "again in %d s (pages still poll)", webhook.notification_id,
                       webhook.type, webhook.shop_id, webhook.attempts, why, wait)
        try:
            await self.store.webhook_failed(webhook, int(self.clock.now()) + wait)
        except StoreUnavailable:  # still pending: its lease runs out, a pass takes it again
            pass
        self.metrics.webhook("retried")

    async def give_up(self, webhook: ReceivedWebhook, why: str) -> None:
        """Record a webhook as failed for good, and say so."""
        try:
            if not await self.store.webhook_failed(webhook, None):
                return  # a later attempt was begun meanwhile: it decides
        except StoreUnavailable:  # still pending: the next pass gives it up
            return
        logger.error("gave up on webhook %s (type %s) for shop %s after %d attempt(s): %s",
                     webhook.notification_id, webhook.type, webhook.shop_id, webhook.attempts,
                     why)
        self.metrics.webhook("gave_up")

    async def handle(self, webhook: ReceivedWebhook) -> None:
        """The work a delivery asks for; raises if it could not be done (to be tried again)."""
        notification = _notification(webhook.body.encode())
        kind, shop_id = notification["type"], notification["shop_id"]
        try:
            if kind == RETURN_STATUS_CHANGE:
                await self._returns_changed(shop_id)
            elif kind == SELLER_DEAUTHORIZATION:
                await self._deauthorized(webhook)
            elif kind == UPCOMING_AUTHORIZATION_EXPIRATION:
                await self._expiring(shop_id, notification["data"], webhook.connect_url)
            else:
                logger.info("webhook type %s is not one this app handles: ignored", kind)
        except (NotConnected, ReconnectNeeded):  # the seller must connect again: nothing to do
            logger.info("webhook %s for shop %s: its seller must connect again",
                        webhook.notification_id, shop_id)

    async def _returns_changed(self, shop_id: str) -> None:
        owner = await self.authorization.shop_owner(shop_id)
        if owner is None:
            logger.info("a return changed in shop %s, which no seller connected", shop_id)
            return
        open_id, shop = owner
        summary = await self.returns_summaries.newest(open_id, shop)
        await self.events.publish(open_id, "returns", {**summary, "shop_id": shop.id})

    async def _deauthorized(self, webhook: ReceivedWebhook) -> None:
        # On a retry the shop may be gone already: its seller was noted on the record.
        open_id = (await self.authorization.remove_shop(webhook.shop_id,
                                                        webhook=webhook.notification_id)
                   or webhook.open_id)
        if open_id is None:
            return
        logger.info("seller %s removed the app's authorization for shop %s", open_id,
                    webhook.shop_id)
        await self.events.publish(open_id, "connection", {
            "shop_id": webhook.shop_id, "connected": False, "connect_url": webhook.connect_url,
            "reconnect_by": None})

    async def _expiring(self, shop_id: str, data: dict, connect_url: str) -> None:
        owner = await self.authorization.shop_owner(shop_id)
        expiration = data.get("expiration_time")
        if owner is None or not isinstance(expiration, int) or isinstance(expiration, bool):
            return
        open_id, shop = owner
        await self.authorization.ask_to_reconnect(open_id, expiration)
        await self.events.publish(open_id, "connection", {
            "shop_id": shop.id, "connected": True, "connect_url": connect_url,
            "reconnect_by": iso_time(await self.authorization.reconnect_by(open_id))})


class WebhookRetries(PeriodicPass):
    """Takes again the webhooks received but not done (their process died, or an attempt
    failed): a pass at start and every ``interval`` seconds (wall time), in one process
    at a time among those sharing ``shared``; due times are the webhooks' clock's."""

    task_name = "tiktokshop-webhook-retries"

    def __init__(self, webhooks: Webhooks, shared, *, interval: float):
        super().__init__(interval=interval)
        self.webhooks = webhooks
        self.store = webhooks.store
        self.clock = webhooks.clock
        self.shared = shared

    async def run_pass(self) -> int:
        """Prune the old webhooks and do the due ones, if no other process is at it; how
        many were done."""
        async with self.shared.try_lock(PASS_LOCK) as held:
            if not held:
                return 0
            now = int(self.clock.now())
            pruned = await self.store.prune_webhooks(now - RETRY_WINDOW_S)
            if pruned:
                logger.info("pruned %d webhook record(s) older than TikTok's retry window",
                            pruned)
            done = 0
            while due := await self.store.webhooks_due(now, PASS_BATCH):
                for webhook in due:
                    done += await self._retry(webhook, now)
                if len(due) < PASS_BATCH:
                    break
            return done

    async def _retry(self, webhook: ReceivedWebhook, now: int) -> bool:
        if webhook.attempts >= MAX_ATTEMPTS:  # its last attempt never ended: its process died
            await self.webhooks.give_up(webhook, "its last attempt did not finish")
            return False
        taken = await self.store.take_webhook(webhook, now, now + ATTEMPT_LEASE_S)
        if taken is None:  # another process took it meanwhile
            return False
        logger.info("taking webhook %s (type %s) for shop %s again: attempt %d",
                    taken.notification_id, taken.type, taken.shop_id, taken.attempts)
        return await self.webhooks.process(taken)

    def pass_ended(self, count: int) -> None:
        if count:
            logger.info("did %d webhook(s) received earlier but not done", count)

    def pass_failed(self, error: Exception) -> None:
        logger.warning("the webhook retries' pass failed (%s: %s); next in %g s",
                       type(error).__name__, error, self.interval)


def _notification(body: bytes) -> dict | None:
    """The delivery, when it has what every notification has (open-api.md); else None."""
    try:
        value = json.loads(body.decode())  # TikTok's bodies are UTF-8 (kept as text)
    except ValueError:  # UnicodeDecodeError too
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

