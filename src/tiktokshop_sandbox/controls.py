"""The sandbox's control API and page: what a test or a developer does to "TikTok".

    POST <sandbox>/control/clock {"advance": 3600}            -> {"now": 1767229200.0}
    POST <sandbox>/control/authorize {"shop_ids": [...], "state": "..."}
         -> {"redirect_url": "<registered redirect>?code=...&state=..."}
    POST <sandbox>/control/returns {"shop_id": "7495610000000000001"}
         -> {"return_order": {...a new pending request, due REQUEST_WINDOW from now...}}
    POST <sandbox>/control/faults {"target": "open_api", "status": 503, "count": 1,
                                   "delay_s": 0, "code": 99100010}
    POST <sandbox>/control/faults {"target": "auth", "rate_limit": true, "count": 2}
         -> {"target": ..., "count": ...}
    POST <sandbox>/control/returns/cancel {"shop_id": "...", "return_id": "..."}
         -> {"return_order": {...now RETURN_OR_REFUND_REQUEST_CANCEL...}}   the buyer withdraws
    POST <sandbox>/control/revoke {"shop_ids": [...]} or {"all": true}  -> {"revoked": 1}
    GET  <sandbox>/control/webhooks   -> {"paused", "failing_next", "deliveries": [newest first]}
    POST <sandbox>/control/webhooks {"paused": true}      hold deliveries (false: send again)
    POST <sandbox>/control/webhooks/fail {"count": 2}     the next 2 attempts fail, retried
    POST <sandbox>/control/webhooks/duplicate {"tts_notification_id": "..."}   (or {}: the
         latest delivered) -> {"delivery": {...}}: the same event is sent once more
    GET  <sandbox>/control/calls   -> {"open_api": {"POST /return_refund/202309/returns/search": 3,
         ...}}: the Open API calls that reached an endpoint so far (refused ones too; not
         those an injected fault answered), by method and path template
    GET  <sandbox>/control          a page: the clock, each shop with an
                                    "Add a return request" button

Every change a control makes to a return or an authorization queues its
webhook like any other (``events``); moving the clock wakes the webhook sender,
whose retries are due on that clock.

Only there when ``settings.controls`` is on (the dev server and the tests turn
it on); otherwise every /control path is 404, like any path TikTok does not
have. Replies are plain JSON objects; a bad request is 400 ``{"error": ...}``.
The page's buttons are forms posting to /control/returns; the reply to a form
is a redirect back to the page, which says what was added.
"""

import math
from collections import Counter
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .auth import authorize_redirect
from .authorizations import Authorizations
from .errors import PlatformError
from .faults import TARGETS, Fault, Faults
from .inputs import json_object, read_body
from .pages import html_page, text
from .settings import SandboxSettings
from .store import ReturnNotFound, ReturnNotPending, ReturnsStore
from .webhooks import NoSuchEvent, WebhookSender

CONTROL_PATH = "/control"
FORM = "application/x-www-form-urlencoded"
MAX_ADVANCE_S = 10 * 365 * 24 * 3600
MAX_FAULT_COUNT = 1000
MAX_DELAY_S = 120
PAGE_DELIVERIES = 10


class BadControl(ValueError):
    """A control request that does not say what to do; the message says why."""


def routes(store: ReturnsStore, auths: Authorizations, settings: SandboxSettings, clock,
           faults: Faults, webhooks: WebhookSender, calls: Counter) -> list:
    controls = Controls(store, auths, settings, clock, faults, webhooks)

    async def open_api_calls(request: Request) -> JSONResponse:  # on the loop that counts
        return JSONResponse({"open_api": dict(calls)}, headers={"cache-control": "no-store"})

    return [
        Route(CONTROL_PATH, controls.page, methods=["GET"], name="control_page"),
        Route(CONTROL_PATH + "/clock", controls.json(controls.advance_clock), methods=["POST"]),
        Route(CONTROL_PATH + "/calls", open_api_calls, methods=["GET"]),
        Route(CONTROL_PATH + "/authorize", controls.json(controls.authorize), methods=["POST"]),
        Route(CONTROL_PATH + "/returns", controls.add_return, methods=["POST"]),
        Route(CONTROL_PATH + "/faults", controls.json(controls.inject_fault), methods=["POST"]),
        Route(CONTROL_PATH + "/returns/cancel", controls.json(controls.cancel_return),
              methods=["POST"]),
        Route(CONTROL_PATH + "/revoke", controls.json(controls.revoke), methods=["POST"]),
        Route(CONTROL_PATH + "/webhooks", controls.webhook_outbox, methods=["GET"]),
        Route(CONTROL_PATH + "/webhooks", controls.json(controls.pause_webhooks),
              methods=["POST"]),
        Route(CONTROL_PATH + "/webhooks/fail", controls.json(controls.fail_webhooks),
              methods=["POST"]),
        Route(CONTROL_PATH + "/webhooks/duplicate", controls.json(controls.duplicate_webhook),
              methods=["POST"]),
    ]


class Controls:
    def __init__(self, store, auths, settings, clock, faults, webhooks):
        self.webhooks = webhooks
        self.store = store
        self.auths = auths
        self.settings = settings
        self.clock = clock
        self.faults = faults

    def json(self, action):
        """An endpoint taking a JSON object and answering ``action``'s dict (400 on BadControl)."""
        async def endpoint(request: Request) -> JSONResponse:
            try:
                data = json_object(await read_body(request))
                return JSONResponse(await run_in_threadpool(action, data),
                                    headers={"cache-control": "no-store"})
            except (BadControl, ReturnNotFound, NoSuchEvent) as exc:
                return _bad(str(exc))
            except ReturnNotPending as exc:
                return _bad(str(exc), 409)
            except PlatformError as error:
                return _bad(error.message, error.status)
        return endpoint

    def advance_clock(self, data: dict) -> dict:
        seconds = data.get("advance")
        if (not isinstance(seconds, int | float) or isinstance(seconds, bool)
                or not math.isfinite(seconds) or not 0 <= seconds <= MAX_ADVANCE_S):
            raise BadControl(f"advance must be a number of seconds from 0 to {MAX_ADVANCE_S}")
        now = self.clock.advance(seconds)
        self.webhooks.wake()  # retries may be due now
        return {"now": now}

    def authorize(self, data: dict) -> dict:
        shop_ids, state = data.get("shop_ids"), data.get("state", "")
        if not _strings(shop_ids) or not isinstance(state, str):
            raise BadControl('give {"shop_ids": ["<shop id>", ...], "state": "<state>"}')
        return {"redirect_url": authorize_redirect(self.store, self.auths, self.settings,
                                                   shop_ids, state)}

    def inject_fault(self, data: dict) -> dict:
        target, count = data.get("target"), data.get("count", 1)
        if target not in TARGETS:
            raise BadControl(f"target must be one of {', '.join(TARGETS)}")
        if not _whole(count, 1, MAX_FAULT_COUNT):
            raise BadControl(f"count must be a whole number from 1 to {MAX_FAULT_COUNT}")
        status, code, delay = data.get("status"), data.get("code"), data.get("delay_s", 0)
        rate_limit = data.get("rate_limit", False) is True
        if status is not None and not _whole(status, 400, 599):
            raise BadControl("status must be an HTTP error status, 400 to 599")
        if code is not None and not _whole(code, 1, 2**31):
            raise BadControl("code must be a positive whole number")
        if (not isinstance(delay, int | float) or isinstance(delay, bool)
                or not 0 <= delay <= MAX_DELAY_S):
            raise BadControl(f"delay_s must be 0 to {MAX_DELAY_S} seconds")
        if status is None and not rate_limit and not delay:
            status = 503
        self.faults.inject(target, Fault(status, code, delay, rate_limit), count)
        return {"target": target, "count": count, "status": status, "code": code,
                "delay_s": delay, "rate_limit": rate_limit}

    def revoke(self, data: dict) -> dict:
        if data.get("all") is True:
            return {"revoked": self.auths.revoke()}
        shop_ids = data.get("shop_ids")
        if not _strings(shop_ids):
            raise BadControl('give {"shop_ids": ["<shop id>", ...]} or {"all": true}')
        return {"revoked": self.auths.revoke(shop_ids)}

    def cancel_return(self, data: dict) -> dict:
        shop_id, return_id = data.get("shop_id"), data.get("return_id")
        if not (_strings([shop_id]) and _strings([return_id])):
            raise BadControl('give {"shop_id": "<shop id>", "return_id": "<return id>"}')
        return {"return_order": self.store.cancel_return(shop_id, return_id)}

    def webhook_outbox(self, request: Request) -> JSONResponse:  # sync: SQLite, threadpool
        return JSONResponse({**self.webhooks.status(), "deliveries": self.webhooks.deliveries()},
                            headers={"cache-control": "no-store"})

    def pause_webhooks(self, data: dict) -> dict:
        paused = data.get("paused")
        if not isinstance(paused, bool):
            raise BadControl('give {"paused": true} or {"paused": false}')
        self.webhooks.pause(paused)
        return self.webhooks.status()

    def fail_webhooks(self, data: dict) -> dict:
        count = data.get("count", 1)
        if not _whole(count, 0, MAX_FAULT_COUNT):
            raise BadControl(f"count must be a whole number from 0 to {MAX_FAULT_COUNT}")
        self.webhooks.fail_next(count)
        return self.webhooks.status()

    def duplicate_webhook(self, data: dict) -> dict:
        notification_id = data.get("tts_notification_id")
        if notification_id is not None and not _strings([notification_id]):
            raise BadControl('give {"tts_notification_id": "<id>"}, or {} for the latest '
                             "delivered")
        return {"delivery": self.webhooks.duplicate(notification_id)}

    async def add_return(self, request: Request) -> Response:
        """JSON in, the new return out; or the page's form, answered with the page."""
        try:
            raw = await read_body(request)
        except PlatformError as error:
            return _bad(error.message, error.status)
        from_page = request.headers.get("content-type", "").startswith(FORM)
        if from_page:
            shop_id = parse_qs(raw.decode("utf-8", "replace")).get("shop_id", [""])[0]
        else:
            try:
                shop_id = json_object(raw).get("shop_id")
            except PlatformError as error:
                return _bad(error.message)
        if not isinstance(shop_id, str):
            return _bad('give {"shop_id": "<shop id>"}')
        try:
            order = await run_in_threadpool(self.store.add_pending_return, shop_id)
        except ReturnNotFound as exc:
            return _bad(str(exc), 404)
        if from_page:
            back = URL(str(request.url_for("control_page"))).include_query_params(
                added=order["return_id"], shop_id=shop_id)
            return RedirectResponse(str(back), 303)
        return JSONResponse({"return_order": order}, headers={"cache-control": "no-store"})

    def page(self, request: Request) -> Response:  # sync: SQLite, in the threadpool
        added, shop_id = request.query_params.get("added"), request.query_params.get("shop_id")
        shops = self.store.shops()
        names = {shop.shop_id: shop.name for shop in shops}
        status = ""
        if added and shop_id in names:
            status = (f"Added return request {text(added[:40])} to {text(names[shop_id])}.")
        rows = "".join(
            f"<tr><th scope=row>{text(shop.name)}</th><td>{text(shop.region)}</td>"
            f"<td>{text(shop.shop_id)}</td><td>{self.store.pending_count(shop.shop_id)}</td>"
            f'<td><form method="post" action="{text(request.url_for("control_page"))}/returns">'
            f'<input type="hidden" name="shop_id" value="{text(shop.shop_id)}">'
            f'<button type="submit" aria-label="Add a return request to {text(shop.name)}">'
            "Add a return request</button></form></td></tr>"
            for shop in shops
        )
        body = (
            "<h1>TikTok Shop sandbox controls</h1>"
            f'<p role="status" class="status">{status}</p>'
            f"<p>Sandbox clock: <time>{int(self.clock.now())}</time> (unix seconds).</p>"
            "<table><caption>Shops of the sandbox seller</caption><thead><tr>"
            "<th scope=col>Shop</th><th scope=col>Region</th><th scope=col>Shop id</th>"
            "<th scope=col>Awaiting the seller</th><th scope=col>Buyer</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"{self._webhooks_section()}"
        )
        return html_page("Sandbox controls - TikTok Shop sandbox", body)

    def _webhooks_section(self) -> str:
        """The latest webhook deliveries, read-only (the JSON controls change them)."""
        paused = self.webhooks.status()["paused"]
        deliveries = self.webhooks.deliveries(limit=PAGE_DELIVERIES)
        if not deliveries:
            table = "<p>No webhook was queued yet.</p>"
        else:
            table = (
                "<table><caption>Latest webhook deliveries</caption><thead><tr>"
                "<th scope=col>Notification</th><th scope=col>Event</th><th scope=col>Shop</th>"
                "<th scope=col>State</th><th scope=col>Attempts</th>"
                "<th scope=col>Last failure</th></tr></thead><tbody>"
                + "".join(
                    f"<tr><td>{text(d['tts_notification_id'])}</td><td>{text(d['event_type'])}"
                    f"</td><td>{text(d['shop_id'])}</td><td>{text(d['state'])}</td>"
                    f"<td>{d['attempts']}</td><td>{text(d['last_error'])}</td></tr>"
                    for d in deliveries)
                + "</tbody></table>")
        return (f"<h2>Webhooks</h2><p>Delivery is <strong>{'paused' if paused else 'on'}"
                "</strong> (POST /control/webhooks, /control/webhooks/fail, "
                "/control/webhooks/duplicate).</p>" + table)


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status,
                        headers={"cache-control": "no-store"})


def _strings(values) -> bool:
    return (isinstance(values, list) and 0 < len(values) <= 100
            and all(isinstance(value, str) and len(value) <= 64 for value in values))


def _whole(value, minimum: int, maximum: int) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)
            and minimum <= value <= maximum)
