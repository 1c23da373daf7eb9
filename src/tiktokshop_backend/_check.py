"""``python -m tiktokshop_backend check``: the configured app against TikTok, call by call.

    python -m tiktokshop_backend check               # prints the authorize link, waits
    python -m tiktokshop_backend check --code <auth code, or the address the browser landed on>

    steps = await run_check(settings, code=None, out=print)
    all(step.status != FAILED for step in steps)

With the backend's own settings (``TIKTOKSHOP_*``: TikTok's production or
sandbox hosts, or ours) and the backend's own Open API client, it makes every
call the product depends on, in order: a signed call (the signature, the
timestamp, the app key), the authorize link, the token exchange for a seller
who authorizes now (the callback arrives on the redirect URL's local port, or
``--code`` gives the code), the token refresh, the shops, the Return API
search, the widget-token call at ``TIKTOKSHOP_WIDGET_TOKEN_PATH``, the Event
API subscriptions, and a signed test delivery to ``TIKTOKSHOP_WEBHOOK_URL``.
Each step is reported passed, failed (with TikTok's HTTP status, code,
message and request_id, and the likely cause) or skipped (a step it needs
failed, or there is nothing to check). The check keeps nothing: the seller's
tokens live in this process only, and no secret, code or token is ever
printed (each is masked should TikTok echo one).
"""

import argparse
import asyncio
import ipaddress
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2 as httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tiktokshop_protocol import (
    RETURN_STATUS_CHANGE,
    RETURNS_SEARCH_PATH,
    SHOPS_PATH,
    TOKEN_GET_PATH,
    TOKEN_REFRESH_PATH,
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOKS_PATH,
    webhook_signature,
)

from ._authorization import SellerAuthorization, _seller_tokens, _shops
from ._client import OpenApiClient, OpenApiError
from ._clock import Clock, SystemClock
from ._listen import listening_socket
from ._redaction import quiet_http_client_logs
from ._settings import BackendSettings, SettingsError
from ._store import SellerTokens, Shop
from ._subscriptions import EVENT_TYPES
from ._widget_tokens import OpenApiWidgetTokenIssuer

PROG = "tiktokshop_backend check"
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
WEBHOOK_URL_VARIABLE = "TIKTOKSHOP_WEBHOOK_URL"
# How long the seller has to authorize in the browser, and a webhook address to answer.
DEFAULT_WAIT_S = 600.0
DEFAULT_WEBHOOK_TIMEOUT_S = 5.0
# A clock further than this from TikTok's (its replies' Date header) is worth saying.
CLOCK_SKEW_NOTE_S = 60
MAX_SHOPS_CHECKED = 10
LOOPBACK_NAMES = ("localhost",)


@dataclass
class Step:
    """One checked call: its outcome, what it found, and on failure TikTok's words."""

    name: str
    status: str
    detail: str = ""
    cause: str = ""
    error: OpenApiError | None = None

    def lines(self) -> list[str]:
        head = f"{self.status.upper():7} {self.name}"
        lines = [f"{head}: {self.detail}" if self.detail else head]
        if self.error is not None:
            error = self.error
            answer = "no answer" if error.status is None else f"HTTP {error.status}"
            code = "-" if error.code is None else error.code
            lines.append(f"        TikTok: {answer}, code {code}, message {error.message[:200]!r},"
                         f" request_id {error.request_id or '-'}")
        if self.cause:
            lines.append(f"        likely cause: {self.cause}")
        return lines


class Check:
    """The steps, in order, sharing what each found (the seller's tokens, the shops)."""

    def __init__(self, settings: BackendSettings, http: httpx.AsyncClient, clock: Clock, *,
                 code: str | None, wait_s: float,
                 webhook_timeout_s: float, out: Callable[[str], None]):
        self.settings = settings
        self.http = http
        self.clock = clock
        self.client = OpenApiClient(settings, http, clock)
        self.code = code
        self.webhook_url = settings.webhook_url
        self.wait_s = wait_s
        self.webhook_timeout_s = webhook_timeout_s
        self._out = out
        self._masked = {settings.app_secret, code or ""}
        self.steps: list[Step] = []
        self.seller: SellerTokens | None = None
        self.shops: list[Shop] = []
        self.server_date: float | None = None  # TikTok's clock, from its last reply's Date

    # -- output ---------------------------------------------------------------------

    def say(self, text: str) -> None:
        for secret in sorted(self._masked, key=len, reverse=True):
            if len(secret) >= 4:
                text = text.replace(secret, "***")
        self._out(text)

    def record(self, step: Step) -> Step:
        self.steps.append(step)
        for line in step.lines():
            self.say(line)
        return step

    def mask(self, *values: str) -> None:
        self._masked.update(value for value in values if value)

    def failed(self, name: str, error: OpenApiError, cause: str = "") -> Step:
        return self.record(Step(name, FAILED, cause=cause or self.cause_of(error), error=error))

    # -- the steps -------------------------------------------------------------------

    async def run(self) -> list[Step]:
        self.say(f"Checking app {self.settings.app_key} against {self.settings.open_api_base} "
                 f"and {self.settings.auth_base}")
        await self.signature()
        await self.authorize()
        if self.seller is not None:
            await self.refresh()
            await self.shop_list()
        else:
            for name in ("token refresh", "shops"):
                self.record(Step(name, SKIPPED, "needs a seller's tokens (the token exchange)"))
        if self.shops:
            await self.returns_search()
            await self.widget_token()
            await self.event_subscriptions()
        else:
            for name in ("returns search", "widget token", "event subscriptions"):
                self.record(Step(name, SKIPPED, "needs a shop the seller authorized"))
        await self.webhook_delivery()
        failed = sum(step.status == FAILED for step in self.steps)
        passed = sum(step.status == PASSED for step in self.steps)
        skipped = len(self.steps) - failed - passed
        self.say(f"{passed} passed, {failed} failed, {skipped} skipped"
                 + (": the app is ready." if not failed else "."))
        return self.steps

    async def signature(self) -> None:
        """A signed call before any seller: TikTok checks the app key, the signature
        and the timestamp, then finds no access token, which is what this step expects."""
        name = "signature"
        try:
            await self.client.open_api("GET", SHOPS_PATH, access_token="")
        except OpenApiError as error:
            # Refused for want of a token, in whatever words and status: not a bad request.
            if error.status is not None and error.status < 500 and error.status not in (
                    404, 429) and error.code is not None and not self.request_cause(error):
                self.record(Step(name, PASSED, "TikTok took the app key, signature and timestamp "
                                 f"of a signed call (and then wanted a seller's access token: "
                                 f"code {error.code})"))
            else:
                self.failed(name, error)
            return
        self.record(Step(name, PASSED, "TikTok answered a signed call"))

    async def authorize(self) -> None:
        state = secrets.token_urlsafe(16)
        link = SellerAuthorization(self.settings, self.client, None, None, self.clock) \
            .authorize_url(state)
        link = urljoin(self.settings.redirect_url, link)  # a path: on the backend's own host
        reachable = await self.authorize_link(link)
        if self.code is None and not reachable:
            self.record(Step("token exchange", SKIPPED, "needs a code from the authorize link "
                             "(or --code)"))
            return
        code = self.code
        if code is None:
            code = await self.wait_for_callback(link, state)
            if code is None:
                return
            self.mask(code)
        await self.exchange(code)

    async def authorize_link(self, link: str) -> bool:
        name = "authorize link"
        try:
            response = await self.http.get(link, timeout=self.settings.timeout)
        except httpx.HTTPError as exc:
            self.record(Step(name, FAILED, f"{_address(link)} did not answer "
                             f"({type(exc).__name__})",
                             "TikTok's authorize page cannot be reached from here: check "
                             "TIKTOKSHOP_AUTHORIZE_URL and the network"))
            return False
        if response.status_code >= 400:
            self.record(Step(name, FAILED, f"{_address(link)} answered HTTP {response.status_code}",
                             "TikTok's authorize page refused the link: check "
                             "TIKTOKSHOP_SERVICE_ID (the app's service id) and "
                             "TIKTOKSHOP_AUTHORIZE_URL"))
            return False
        self.record(Step(name, PASSED, f"{_address(link)} answered HTTP {response.status_code}"))
        return True

    async def wait_for_callback(self, link: str, state: str) -> str | None:
        name = "token exchange"
        redirect = urlsplit(self.settings.redirect_url)
        host = redirect.hostname or ""
        if not _is_loopback(host):
            self.record(Step(name, FAILED, f"TIKTOKSHOP_REDIRECT_URL is on {redirect.netloc}, "
                             "not this machine, so the callback cannot come here",
                             "open the link below, authorize, copy the address your browser "
                             "lands on and run the check again with --code - and paste it (a "
                             "code lasts minutes and works once)"))
            self.say(f"Authorize link: {link}")
            return None
        port = redirect.port or (443 if redirect.scheme == "https" else 80)
        try:
            sock = listening_socket("127.0.0.1" if host in LOOPBACK_NAMES else host, port)
        except OSError as exc:
            self.record(Step(name, FAILED, f"cannot listen on {redirect.netloc} for the callback "
                             f"({exc.strerror})", "another program (the backend itself?) uses "
                             "that port: stop it for the check; or open the link below, "
                             "authorize, copy the address your browser lands on and run the "
                             "check again with --code - and paste it"))
            self.say(f"Authorize link: {link}")
            return None
        self.say(f"Open this link in a browser, sign in as the seller and authorize the app:\n"
                 f"    {link}\n"
                 f"Waiting up to {self.wait_s:g} s for TikTok to send the browser back to "
                 f"{self.settings.redirect_url} ...")
        try:
            return await _callback_code(sock, redirect.path or "/", state, self.wait_s)
        except CallbackRefused as exc:
            self.record(Step(name, FAILED, str(exc), exc.cause))
        except TimeoutError:
            self.record(Step(name, FAILED, f"no callback within {self.wait_s:g} s",
                             "the seller did not authorize in time, or TikTok sends sellers "
                             "to another redirect URL than TIKTOKSHOP_REDIRECT_URL: they must "
                             "be the same"))
        finally:
            sock.close()
        return None

    async def exchange(self, code: str) -> None:
        name = "token exchange"
        try:
            data = await self.client.auth(TOKEN_GET_PATH, {"auth_code": code,
                                                           "grant_type": "authorized_code"})
            self.mask(*(str(data.get(key) or "") for key in ("access_token", "refresh_token")))
            seller = _seller_tokens(TOKEN_GET_PATH, data)
        except OpenApiError as error:
            self.failed(name, error)
            return
        self.seller = seller
        scopes = data.get("granted_scopes")
        self.record(Step(name, PASSED, f"seller {seller.name or '?'} ({seller.region or '?'}, "
                         f"open_id {seller.open_id}): access token until "
                         f"{self.when(seller.access_expire_at)}, refresh token until "
                         f"{self.when(seller.refresh_expire_at)}"
                         + (f"; scopes {', '.join(map(str, scopes))}"
                            if isinstance(scopes, list) else "")))

    async def refresh(self) -> None:
        name = "token refresh"
        seller = self.seller
        try:
            data = await self.client.auth(TOKEN_REFRESH_PATH, {
                "refresh_token": seller.refresh_token, "grant_type": "refresh_token"})
            self.mask(*(str(data.get(key) or "") for key in ("access_token", "refresh_token")))
            fresh = _seller_tokens(TOKEN_REFRESH_PATH, data, seller)
        except OpenApiError as error:
            cause = ""
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                expired = seller.refresh_expire_at <= self.clock.now()
                cause = ((f"the refresh token expired at {self.when(seller.refresh_expire_at)}"
                          if expired else "TikTok refused the refresh token (expired or revoked)")
                         + ": the seller must authorize the app again"
                         + ("" if expired else "; or the app key or secret is wrong"))
            self.failed(name, error, cause)
            return
        self.seller = fresh
        self.record(Step(name, PASSED, f"a new access token until "
                         f"{self.when(fresh.access_expire_at)}; the rest of the check uses it"))

    async def shop_list(self) -> None:
        name = "shops"
        try:
            data = await self.client.open_api("GET", SHOPS_PATH,
                                              access_token=self.seller.access_token)
            shops = _shops(data)
        except OpenApiError as error:
            self.failed(name, error)
            return
        if not shops:
            self.record(Step(name, FAILED, "the seller authorized no shop",
                             "authorize again and pick the seller's shops on TikTok's page"))
            return
        self.shops = shops[:MAX_SHOPS_CHECKED]
        listed = ", ".join(f"{shop.name} ({shop.region}, {shop.id})" for shop in shops)
        self.record(Step(name, PASSED, f"{len(shops)} shop(s): {listed}"
                         + (f"; the next steps check the first {MAX_SHOPS_CHECKED}"
                            if len(shops) > MAX_SHOPS_CHECKED else "")))

    async def returns_search(self) -> None:
        async def search(shop: Shop) -> str:
            data = await self.client.open_api(
                "POST", RETURNS_SEARCH_PATH, access_token=self.seller.access_token,
                shop_cipher=shop.cipher, query={"page_size": "50"}, body={}, read=True)
            orders = data.get("return_orders")
            if not isinstance(orders, list):
                raise OpenApiError(RETURNS_SEARCH_PATH, 200, None,
                                   "the reply has no return_orders list")
            total = data.get("total_count", len(orders))
            return f"{shop.name}: {total} return(s) found"
        await self.each_shop("returns search", search)

    async def widget_token(self) -> None:
        issuer = OpenApiWidgetTokenIssuer(self.client, self.settings.widget_token_path)

        async def issue(shop: Shop) -> str:
            token = await issuer.issue(shop, self.seller.access_token)
            self.mask(token.token)
            left = token.expire_at - self.clock.now()
            if left <= 0:
                raise OpenApiError(self.settings.widget_token_path, 200, None,
                                   f"the token expired already ({self.when(token.expire_at)})")
            return f"{shop.name}: a token of {len(token.token)} characters, for {left:.0f} s"
        await self.each_shop("widget token", issue)

    async def event_subscriptions(self) -> None:
        name = "event subscriptions"
        found, missing = [], []
        for shop in self.shops:
            try:
                data = await self.client.open_api("GET", WEBHOOKS_PATH,
                                                  access_token=self.seller.access_token,
                                                  shop_cipher=shop.cipher)
            except OpenApiError as error:
                self.failed(name, error)
                return
            hooks = [hook for hook in data.get("webhooks") or [] if isinstance(hook, dict)]
            listed = ", ".join(f"{hook.get('event_type')} -> {hook.get('address')}"
                               for hook in hooks) or "none"
            found.append(f"{shop.name}: {listed}")
            if self.webhook_url:
                registered = {(hook.get("event_type"), hook.get("address")) for hook in hooks}
                lacking = [event for event in EVENT_TYPES
                           if (event, self.webhook_url) not in registered]
                if lacking:
                    missing.append(f"{shop.name} ({', '.join(lacking)})")
        if missing:
            self.record(Step(name, FAILED, "; ".join(found),
                             f"TikTok would not send {'; '.join(missing)} to "
                             f"{WEBHOOK_URL_VARIABLE} ({self.webhook_url}): the backend "
                             "subscribes each shop when its seller connects and when it "
                             "starts with that address set: start it once (or correct the "
                             "variable)"))
        else:
            self.record(Step(name, PASSED, "; ".join(found)))

    async def webhook_delivery(self) -> None:
        name = "webhook address"
        url = self.webhook_url
        if not url:
            self.record(Step(name, SKIPPED, f"{WEBHOOK_URL_VARIABLE} is not set"))
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.record(Step(name, FAILED, f"{url[:200]!r} is not an http(s) URL",
                             f"set {WEBHOOK_URL_VARIABLE} to the backend's webhook address"))
            return
        if parts.scheme != "https" and not _is_loopback(parts.hostname):
            self.record(Step(name, FAILED, f"{url} is plain http",
                             "TikTok delivers only to https addresses"))
            return
        body = self.sample_event()
        good = webhook_signature(self.settings.app_key, self.settings.app_secret, body)
        answer = await self.deliver(url, body, good)
        if isinstance(answer, str):
            self.record(Step(name, FAILED, f"{url}: {answer}",
                             "nothing answers there quickly: TikTok would retry every event "
                             f"for up to 72 hours; check {WEBHOOK_URL_VARIABLE}, that the backend "
                             "runs, and the proxy in front of it"))
            return
        status, took = answer
        if not 200 <= status < 300:
            self.record(Step(name, FAILED, f"{url} answered HTTP {status} to a signed test "
                             "delivery", _webhook_cause(status)))
            return
        forged = await self.deliver(url, body, "0" * len(good))
        if not isinstance(forged, str) and 200 <= forged[0] < 300:
            self.record(Step(name, FAILED, f"{url} accepted a delivery whose signature is "
                             f"wrong (HTTP {forged[0]})",
                             "the receiver must check the Authorization header: "
                             "HMAC-SHA256 of app key + body, keyed with the app secret"))
            return
        self.record(Step(name, PASSED, f"{url} took a signed test delivery (HTTP {status}, "
                         f"{took * 1000:.0f} ms) and refused a forged one"
                         + (f" (HTTP {forged[0]})" if not isinstance(forged, str) else "")))

    # -- helpers ---------------------------------------------------------------------

    async def each_shop(self, name: str, call) -> None:
        found = []
        for shop in self.shops:
            try:
                found.append(await call(shop))
            except OpenApiError as error:
                self.failed(name, error, self.cause_of(error)
                            + (f" ({shop.name})" if len(self.shops) > 1 else ""))
                return
        self.record(Step(name, PASSED, "; ".join(found)))

    def sample_event(self) -> bytes:
        """A RETURN_STATUS_CHANGE like TikTok's, for the first shop, with made-up ids:
        a receiver records and acknowledges it like any other."""
        now = int(self.clock.now())
        shop_id = self.shops[0].id if self.shops else "0"
        event = {"type": RETURN_STATUS_CHANGE,
                 "tts_notification_id": str(secrets.randbelow(10**19)),
                 "shop_id": shop_id, "timestamp": now,
                 "data": {"order_id": "0", "return_id": "0", "return_role": "BUYER",
                          "return_type": "REFUND",
                          "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
                          "create_time": now, "update_time": now}}
        return json.dumps(event, separators=(",", ":")).encode()

    async def deliver(self, url: str, body: bytes, signature: str):
        """(HTTP status, seconds) of one delivery, or what went wrong in words."""
        started = time.monotonic()
        try:
            response = await self.http.post(url, content=body, timeout=self.webhook_timeout_s,
                                            headers={"content-type": "application/json",
                                                     WEBHOOK_SIGNATURE_HEADER: signature})
        except httpx.TimeoutException:
            return f"no answer within {self.webhook_timeout_s:g} s"
        except httpx.HTTPError as exc:
            return f"could not deliver ({type(exc).__name__})"
        return response.status_code, time.monotonic() - started

    def note_date(self, response: httpx.Response) -> None:
        try:
            self.server_date = parsedate_to_datetime(response.headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            pass

    def when(self, unix: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(unix))

    def skew(self) -> float | None:
        """Seconds this machine's clock is ahead of TikTok's (behind: negative), if known."""
        return None if self.server_date is None else self.clock.now() - self.server_date

    def clock_off(self) -> str:
        off = self.skew()
        if off is None or abs(off) < CLOCK_SKEW_NOTE_S:
            return "this machine's clock is off"
        side = "ahead of" if off > 0 else "behind"
        return f"this machine's clock is {abs(off):.0f} s {side} TikTok's"

    def request_cause(self, error: OpenApiError) -> str:
        """The cause when TikTok refused the request itself (app, signature, clock)."""
        if error.status is None or error.status >= 500 or error.status == 429:
            return ""
        text = error.message.lower()
        if "sign" in text:
            off = self.skew()
            if off is not None and abs(off) < CLOCK_SKEW_NOTE_S:
                return ("the app secret (TIKTOKSHOP_APP_SECRET) is wrong (this machine's clock "
                        "agrees with TikTok's)")
            return f"the app secret (TIKTOKSHOP_APP_SECRET) is wrong, or {self.clock_off()}"
        if "timestamp" in text or "clock" in text:
            return self.clock_off() + ": set it right (NTP)"
        if "app" in text and ("key" in text or "secret" in text):
            return ("TikTok does not know the app: check TIKTOKSHOP_APP_KEY and "
                    "TIKTOKSHOP_APP_SECRET (and that they are for these hosts: sandbox apps "
                    "have their own)")
        return ""

    def cause_of(self, error: OpenApiError) -> str:
        if cause := self.request_cause(error):
            return cause
        text = error.message.lower()
        path = error.path
        if error.status is None:
            base = "TIKTOKSHOP_AUTH_BASE" if path in (TOKEN_GET_PATH, TOKEN_REFRESH_PATH) \
                else "TIKTOKSHOP_OPEN_API_BASE"
            return f"TikTok is down or unreachable from here: check {base} and the network"
        if error.status == 429:
            return "TikTok is rate limiting the app: run the check again later"
        if error.status >= 500:
            return "TikTok is failing right now: run the check again later"
        if path == TOKEN_GET_PATH and "code" in text:
            return ("the code is wrong, used already or expired (a code works once, for "
                    "minutes): authorize again")
        if path == self.settings.widget_token_path and (error.code is None or error.status == 404):
            return (f"TIKTOKSHOP_WIDGET_TOKEN_PATH ({path}) is not TikTok's widget-token call: "
                    "use the path from TikTok's widget onboarding")
        if error.code is None:
            return ("the reply is not TikTok's: check TIKTOKSHOP_OPEN_API_BASE and "
                    "TIKTOKSHOP_AUTH_BASE")
        if error.status == 404:
            return "TikTok has no such call at this host: check TIKTOKSHOP_OPEN_API_BASE"
        if error.status == 401 and "token" in text:
            return "TikTok refused the seller's access token it issued a moment ago"
        if error.status == 403:
            return ("the seller did not authorize this shop for the app, or the app lacks "
                    "the permission (scope) for this call")
        return "TikTok refused the call: see its message"


class CallbackRefused(Exception):
    def __init__(self, message: str, cause: str):
        super().__init__(message)
        self.cause = cause


async def _callback_code(sock, path: str, state: str, wait_s: float) -> str:
    """The ``code`` TikTok sends the browser back with to ``path`` with our ``state``."""
    arrived: asyncio.Future = asyncio.get_running_loop().create_future()

    async def callback(request: Request) -> HTMLResponse:
        query = request.query_params
        if query.get("state") != state:
            return HTMLResponse("<p>This is not the authorization the check is waiting for "
                                "(its state differs). Use the link the check printed.</p>", 400)
        code = query.get("code")
        if not arrived.done():
            if code:
                arrived.set_result(code)
            else:
                arrived.set_exception(CallbackRefused(
                    "TikTok sent the browser back without a code"
                    + (f" (error {query.get('error')[:100]!r})" if query.get("error") else ""),
                    "the seller declined, or TikTok refused the app's authorization"))
        return HTMLResponse("<p>Back from TikTok. The check goes on in the terminal; "
                            "you may close this tab.</p>", headers={"cache-control": "no-store"})

    app = Starlette(routes=[Route(path, callback, methods=["GET"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off"))
    # uvicorn takes Ctrl-C while it serves: it stops, then raises it again here.
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await asyncio.wait({arrived, serving}, timeout=wait_s,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        await serving
    if not arrived.done():
        raise TimeoutError
    return arrived.result()


def _webhook_cause(status: int) -> str:
    if status in (401, 403):
        return ("it refused TikTok's signature: it must check HMAC-SHA256 of app key + body "
                "with this app's key and secret (TIKTOKSHOP_APP_KEY, TIKTOKSHOP_APP_SECRET)")
    if status in (404, 405):
        return f"nothing takes deliveries at that address: check {WEBHOOK_URL_VARIABLE}"
    if status >= 500:
        return "the receiver failed on a delivery: see its log"
    return "TikTok counts any answer but 2xx as a failed delivery and retries it"


def _address(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def run_check(settings: BackendSettings, *, code: str | None = None,
                    clock: Clock | None = None,
                    http: httpx.AsyncClient | None = None, wait_s: float = DEFAULT_WAIT_S,
                    webhook_timeout_s: float = DEFAULT_WEBHOOK_TIMEOUT_S,
                    out: Callable[[str], None] = print) -> list[Step]:
    """Every step's outcome, each printed through ``out`` as it ends."""
    quiet_http_client_logs()
    own = http is None
    http = httpx.AsyncClient() if own else http
    check = Check(settings, http, clock or SystemClock(), code=code,
                  wait_s=wait_s, webhook_timeout_s=webhook_timeout_s, out=out)

    async def note_date(response: httpx.Response) -> None:
        check.note_date(response)
    hooks = http.event_hooks
    http.event_hooks = {**hooks, "response": [*hooks.get("response", []), note_date]}
    try:
        return await check.run()
    finally:
        http.event_hooks = hooks
        if own:
            await http.aclose()


def given_code(text: str) -> str:
    """The auth code in ``text``: the code itself, or the callback address carrying it."""
    text = text.strip()
    if "?" not in text:
        return text
    return parse_qs(urlsplit(text).query).get("code", [""])[0]


DESCRIPTION = ("Check the configured app (TIKTOKSHOP_*) against TikTok: every call the "
               "backend makes, each reported passed or failed with TikTok's answer.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The check's options, on its own parser or on a ``check`` subcommand's."""
    parser.add_argument("--code", help="the code TikTok sent the browser back with, or the "
                        "whole address it landed on, instead of waiting for the callback "
                        "here; - reads it from standard input (out of the process list)")
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT_S, metavar="SECONDS",
                        help="how long to wait for the seller to authorize (default %(default)g)")
    parser.add_argument("--webhook-timeout", type=float, default=DEFAULT_WEBHOOK_TIMEOUT_S,
                        metavar="SECONDS", help="how long the webhook address may take to "
                        "answer (default %(default)g)")
    parser.add_argument("--verbose", action="store_true",
                        help="also print the backend's log lines (retries, refusals)")


def command(args: argparse.Namespace, environ=None) -> int:
    """The check as a command: its exit status (0 passed, 1 a step failed, 2 unfit settings)."""
    environ = os.environ if environ is None else environ
    logging.basicConfig(format="%(levelname)s: %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.CRITICAL)
    try:
        settings = BackendSettings.from_environ(environ)
    except SettingsError as exc:  # its message may name the backend already
        message = str(exc)
        print(message if message.startswith("tiktokshop_backend") else f"{PROG}: {message}",
              file=sys.stderr)
        return 2
    code = args.code
    if code == "-":
        code = sys.stdin.readline()
    if code is not None and not (code := given_code(code)):
        print(f"{PROG}: --code has no code in it", file=sys.stderr)
        return 2
    try:
        steps = asyncio.run(run_check(settings, code=code,
                                      wait_s=args.wait, webhook_timeout_s=args.webhook_timeout,
                                      out=lambda line: print(line, flush=True)))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 1 if any(step.status == FAILED for step in steps) else 0


def main(argv=None, environ=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tiktokshop_backend check",
                                     description=DESCRIPTION)
    add_arguments(parser)
    return command(parser.parse_args(argv), environ)
