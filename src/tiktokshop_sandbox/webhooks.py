"""Webhook delivery, TikTok's side: the outbox in SQLite, sent at least once, retried.

    sender = WebhookSender(store, events, settings, clock)     # store.on_queued = sender.wake
    async with sender.running():     # the sandbox app's lifespan does this
        ...                          # every committed delivery is POSTed to its address
    sender.pause(True); sender.fail_next(2); sender.duplicate("7327...")   # the controls

One asyncio task sends the outbox (``events.SCHEMA``'s ``webhook_deliveries``)
in the order it is due: ``POST <address>`` with the event's exact bytes,
``content-type: application/json`` and ``Authorization: <signature>``
(``tiktokshop_protocol.webhook_signature``). A 2xx answer delivers it; any
other status, a timeout (``settings.webhook_timeout``) or no connection is
retried after ``webhook_retry_base`` seconds, doubling each time up to
``webhook_retry_max_delay``, until ``webhook_retry_window`` (TikTok's 72 hours)
after the event, when it is given up ("expired"). Times are the sandbox clock's,
so a test moves the clock (``POST /control/clock``, which wakes the sender)
instead of waiting. A delivery is marked delivered only after its 2xx: a
process stopped in between sends it again at its next start, and nothing
queued is lost in a restart. The task sleeps until something is queued (the
store calls ``wake`` after each commit), the next retry is due, or the next
authorization expiry should be announced, never longer than MAX_IDLE_S.
``settled`` tells a test (or a tool) when the sender has done all it can for
now, so that what did not arrive is known not to have been sent.
"""

import asyncio
import logging
import threading
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2 as httpx
from starlette.concurrency import run_in_threadpool
from tiktokshop_protocol import WEBHOOK_SIGNATURE_HEADER, webhook_signature

from .events import EVENT_NAMES, Events
from .settings import SandboxSettings
from .store import ReturnsStore

logger = logging.getLogger("tiktokshop_sandbox.webhooks")

# The longest the sender sleeps without being woken (wall seconds): a wall clock
# brings retries due without anyone calling wake.
MAX_IDLE_S = 60.0
PENDING, DELIVERED, EXPIRED = "pending", "delivered", "expired"
FAILED_ON_PURPOSE = "failed on purpose (POST /control/webhooks/fail)"


class NoSuchEvent(LookupError):
    """No delivery of that notification id (or none at all) to send again."""


@dataclass(frozen=True)
class Delivery:
    delivery_id: int
    notification_id: str
    address: str
    body: bytes


class WebhookSender:
    def __init__(self, store: ReturnsStore, events: Events, settings: SandboxSettings, clock):
        self.store = store
        self.events = events
        self.settings = settings
        self.clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None
        self._lock = threading.Lock()
        self._paused = False
        self._failures_wanted = 0
        # How often it was woken, and how many of those wakes the sleeping task had seen.
        self._asleep = threading.Condition()
        self._wakes = 0
        self._sleeping_after: int | None = None
        store.on_queued = self.wake

    # -- what the controls do (any thread) ---------------------------------------

    def wake(self) -> None:
        """Look at the outbox again now (something was queued, or the clock moved)."""
        with self._asleep:
            self._wakes += 1
        loop, woken = self._loop, self._woken
        if loop is not None and woken is not None and not loop.is_closed():
            loop.call_soon_threadsafe(woken.set)

    def pause(self, paused: bool) -> None:
        """Hold every delivery (still queued, none lost) until un-paused."""
        with self._lock:
            self._paused = paused
        self.wake()

    def fail_next(self, count: int) -> None:
        """The next ``count`` attempts fail as if the address did not answer (nothing is
        sent), and are retried like any failure."""
        with self._lock:
            self._failures_wanted = count

    def settled(self, timeout: float) -> bool:
        """Wait until the sender sleeps having seen every wake so far: whatever was due
        has been attempted and recorded. False if it is still busy after ``timeout``
        seconds (or not running)."""
        with self._asleep:
            return self._asleep.wait_for(lambda: self._sleeping_after == self._wakes, timeout)

    def status(self) -> dict:
        with self._lock:
            return {"paused": self._paused, "failing_next": self._failures_wanted}

    def duplicate(self, notification_id: str | None = None) -> dict:
        """Queue the event once more (the latest delivered one when no id is given): the
        receiver gets the same ``tts_notification_id`` twice, as TikTok may send it."""
        with self.store.writing() as db:
            if notification_id is None:
                source = db.execute("SELECT * FROM webhook_deliveries WHERE state = ?"
                                    " ORDER BY delivered_at DESC, delivery_id DESC LIMIT 1",
                                    (DELIVERED,)).fetchone()
            else:
                source = db.execute("SELECT * FROM webhook_deliveries WHERE notification_id = ?"
                                    " ORDER BY delivery_id LIMIT 1",
                                    (notification_id,)).fetchone()
            if source is None:
                raise NoSuchEvent(f"no webhook event {notification_id} to send again"
                                  if notification_id else "no webhook was delivered yet")
            now = self.clock.now()
            row = db.execute(
                "INSERT INTO webhook_deliveries (notification_id, event_type, shop_id, address,"
                " body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (source["notification_id"], source["event_type"], source["shop_id"],
                 source["address"], source["body"], now, now)).fetchone()
        self.wake()
        return _shown(row)

    def deliveries(self, limit: int = 100) -> list[dict]:
        """The outbox, newest first."""
        with self.store.reading() as db:
            rows = db.execute("SELECT * FROM webhook_deliveries ORDER BY delivery_id DESC"
                              " LIMIT ?", (limit,)).fetchall()
        return [_shown(row) for row in rows]

    # -- the task -----------------------------------------------------------------

    @asynccontextmanager
    async def running(self):
        """The sender as a task of the running loop, for as long as the block lasts."""
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        task = asyncio.create_task(self._run(), name="tiktokshop-sandbox-webhooks")
        try:
            yield self
        finally:
            self._loop = None
            with self._asleep:
                self._sleeping_after = None
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout,
                                     follow_redirects=False) as http:
            while True:
                self._woken.clear()  # before looking: a wake from now on is not missed
                with self._asleep:
                    seen = self._wakes
                try:
                    delivery, wait_s = await run_in_threadpool(self._next)
                    if delivery is not None:
                        await self._attempt(http, delivery)
                        continue
                except Exception:  # the loop must outlive a bad row or a locked database
                    logger.exception("webhook sender: looking at the outbox failed")
                    wait_s = MAX_IDLE_S
                with self._asleep:
                    self._sleeping_after = seen
                    self._asleep.notify_all()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), wait_s)
                with self._asleep:
                    self._sleeping_after = None

    def _next(self) -> tuple[Delivery | None, float | None]:
        """The delivery due now, else how long to sleep (None: until woken)."""
        with self.store.writing() as db:
            self.events.expiring(db)
        with self._lock:
            paused = self._paused
        now = self.clock.now()
        with self.store.reading() as db:
            row = db.execute("SELECT * FROM webhook_deliveries WHERE state = ?"
                             " ORDER BY next_attempt_at, delivery_id LIMIT 1",
                             (PENDING,)).fetchone()
            if row is not None and row["next_attempt_at"] <= now and not paused:
                return Delivery(row["delivery_id"], row["notification_id"], row["address"],
                                row["body"]), None
            upcoming = [self.events.next_expiration_notice(db)]
        if row is not None and not paused:
            upcoming.append(row["next_attempt_at"])
        upcoming = [when for when in upcoming if when is not None]
        if not upcoming:
            return None, None
        return None, min(max(min(upcoming) - now, 0.01), MAX_IDLE_S)

    async def _attempt(self, http: httpx.AsyncClient, delivery: Delivery) -> None:
        with self._lock:
            fail = self._failures_wanted > 0
            if fail:
                self._failures_wanted -= 1
        if fail:
            outcome, delivered = FAILED_ON_PURPOSE, False
        else:
            signature = webhook_signature(self.settings.app_key, self.settings.app_secret,
                                          delivery.body)
            try:
                response = await http.post(delivery.address, content=delivery.body, headers={
                    "content-type": "application/json", WEBHOOK_SIGNATURE_HEADER: signature})
                outcome, delivered = f"HTTP {response.status_code}", response.is_success
            except httpx.TimeoutException:
                outcome, delivered = f"no answer within {self.settings.webhook_timeout:g} s", False
            except Exception as exc:  # noqa: BLE001 (refused, reset, a bad URL: a failed attempt)
                outcome, delivered = f"could not be sent ({type(exc).__name__})", False
        await run_in_threadpool(self._record, delivery, delivered, outcome)

    def _record(self, delivery: Delivery, delivered: bool, outcome: str) -> None:
        now = self.clock.now()
        settings = self.settings
        with self.store.writing() as db:
            row = db.execute("SELECT * FROM webhook_deliveries WHERE delivery_id = ?",
                             (delivery.delivery_id,)).fetchone()
            attempts = row["attempts"] + 1
            if delivered:
                db.execute("UPDATE webhook_deliveries SET state = ?, attempts = ?,"
                           " delivered_at = ?, last_error = '' WHERE delivery_id = ?",
                           (DELIVERED, attempts, now, delivery.delivery_id))
                logger.info("webhook %s delivered to %s (%s, attempt %d)",
                            delivery.notification_id, _logged(delivery.address), outcome, attempts)
                return
            delay = min(settings.webhook_retry_base * 2 ** (attempts - 1),
                        settings.webhook_retry_max_delay)
            retry_at = now + delay
            state = PENDING if retry_at <= row["created_at"] + settings.webhook_retry_window \
                else EXPIRED
            db.execute("UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?,"
                       " last_error = ? WHERE delivery_id = ?",
                       (state, attempts, retry_at, outcome, delivery.delivery_id))
        if state == PENDING:
            logger.info("webhook %s to %s failed: %s; attempt %d again in %g s",
                        delivery.notification_id, _logged(delivery.address), outcome,
                        attempts + 1, delay)
        else:
            logger.warning("webhook %s to %s failed: %s; given up after %d attempts",
                           delivery.notification_id, _logged(delivery.address), outcome, attempts)


def _logged(address: str) -> str:
    """An address without what may be a credential (a password, a token in the query)."""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _shown(row) -> dict:
    return {
        "delivery_id": row["delivery_id"],
        "tts_notification_id": row["notification_id"],
        "type": row["event_type"],
        "event_type": EVENT_NAMES.get(row["event_type"], str(row["event_type"])),
        "shop_id": row["shop_id"],
        "address": row["address"],
        "state": row["state"],
        "attempts": row["attempts"],
        "next_attempt_at": row["next_attempt_at"],
        "last_error": row["last_error"],
        "delivered_at": row["delivered_at"],
    }
