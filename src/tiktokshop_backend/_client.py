"""TikTok Shop's Open API and auth host, spoken with httpx: signed, timed out, retried when safe.

    client = OpenApiClient(settings, httpx.AsyncClient(), SystemClock())
    data = await client.open_api("GET", SHOPS_PATH, access_token=token)        # reply["data"]
    data = await client.open_api("POST", RETURNS_SEARCH_PATH, access_token=token,
                                 shop_cipher=shop.cipher, query={"page_size": "50"},
                                 body={"return_status": [...]}, read=True)
    data = await client.auth(TOKEN_REFRESH_PATH, {"refresh_token": ..., "grant_type": ...})

Every Open API request carries ``app_key``, ``timestamp`` (the clock's now)
and ``sign`` over the path relative to the base URL (``tiktokshop_protocol.sign``),
plus ``shop_cipher`` when shop-scoped and the access token in its header.
Reads (GET, and POSTs that only search, ``read=True``) are tried up to
``settings.read_attempts`` times on timeouts, network errors, 429 and 5xx, with
jittered exponential backoff (a 429's Retry-After is honoured, bounded);
anything else (approve, reject) is sent once: TikTok does not make them
idempotent. Each attempt is counted in ``metrics`` (path template, outcome,
duration). Any failure raises ``OpenApiError`` carrying TikTok's HTTP status,
code, message and request_id, and is logged in one line that names the likely
cause for a bad signature or a stale timestamp. No log line holds the app
secret, an access or refresh token, or a query string.
"""

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping

import httpx2 as httpx

from tiktokshop_protocol import ACCESS_TOKEN_HEADER, sign

from ._clock import Clock
from ._metrics import Metrics

logger = logging.getLogger("tiktokshop_backend.open_api")

BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 5.0
# A Retry-After longer than this is not waited for: the caller hears "rate limited" now.
MAX_RETRY_AFTER_S = 10.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class OpenApiError(Exception):
    """TikTok refused or failed a request. ``status`` is the HTTP status (None when
    no reply came), ``code``/``message``/``request_id`` TikTok's own."""

    def __init__(self, path: str, status: int | None, code, message: str,
                 request_id: str | None = None, retry_after: float | None = None):
        self.path = path
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(self.describe())

    @property
    def unreachable(self) -> bool:
        """No answer at all (down, timed out) or a server error: try later."""
        return self.status is None or self.status >= 500

    @property
    def rate_limited(self) -> bool:
        return self.status == 429

    @property
    def outcome(self) -> str:
        """For the metrics: unreachable, rate_limited, server_error or refused."""
        if self.status is None:
            return "unreachable"
        if self.rate_limited:
            return "rate_limited"
        return "server_error" if self.status >= 500 else "refused"

    @property
    def token_refused(self) -> bool:
        """A 401 that a new access token may cure: not a refused signature, timestamp or app."""
        return self.status == 401 and not _likely_cause(self)

    def describe(self) -> str:
        answer = ("no answer" if self.status is None
                  else f"HTTP {self.status} code {self.code}")
        return (f"TikTok {self.path}: {answer}: {self.message[:200]}"
                f" (request_id {self.request_id or '-'})")


class OpenApiClient:
    """TikTok Shop's Open API and auth host: signed requests, reads retried with
    jittered backoff on timeouts, 429 and 5xx; failures are ``OpenApiError``."""
    def __init__(self, settings, http: httpx.AsyncClient, clock: Clock, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random, metrics: Metrics | None = None):
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.http = http
        self.clock = clock
        self._sleep = sleep
        self._jitter = jitter

    async def open_api(self, method: str, path: str, *, access_token: str,
                       shop_cipher: str | None = None, query: Mapping[str, str] | None = None,
                       body=None, read: bool | None = None) -> dict:
        """``data`` of a signed Open API call; OpenApiError otherwise."""
        raw_body = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {ACCESS_TOKEN_HEADER: access_token}
        if body is not None:
            headers["content-type"] = "application/json"

        def build() -> httpx.Request:  # signed anew for each attempt: the timestamp moves
            params = {**(query or {}), "app_key": self.settings.app_key,
                      "timestamp": str(int(self.clock.now()))}
            if shop_cipher is not None:
                params["shop_cipher"] = shop_cipher
            params["sign"] = sign(self.settings.app_secret, path, params, raw_body)
            return self.http.build_request(method, self.settings.open_api_base.rstrip("/") + path,
                                           params=params, content=raw_body or None,
                                           headers=headers, timeout=self.settings.timeout)

        return await self._send(method, path, build, method == "GET" if read is None else read)

    async def auth(self, path: str, query: Mapping[str, str]) -> dict:
        """``data`` of a call to the auth host (token get and refresh): GETs, retried as reads."""
        params = {"app_key": self.settings.app_key, "app_secret": self.settings.app_secret,
                  **query}

        def build() -> httpx.Request:
            return self.http.build_request("GET", self.settings.auth_base.rstrip("/") + path,
                                           params=params, timeout=self.settings.timeout)

        return await self._send("GET", path, build, read=True)

    async def _send(self, method: str, path: str, build: Callable[[], httpx.Request],
                    read: bool) -> dict:
        attempts = self.settings.read_attempts if read else 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                data = self._data(path, await self._reply(path, build()))
                self.metrics.tiktok_call(path, "ok", time.perf_counter() - started)
                return data
            except OpenApiError as error:
                self.metrics.tiktok_call(path, error.outcome, time.perf_counter() - started)
                retriable = (error.status is None or error.status in RETRIED_STATUSES)
                if not retriable or attempt == attempts or (
                        error.retry_after or 0) > MAX_RETRY_AFTER_S:
                    logger.warning("%s %s failed after %d attempt(s): %s%s", method, path,
                                   attempt, error.describe(), _likely_cause(error))
                    raise
                wait = error.retry_after or self._backoff(attempt)
                logger.info("%s %s: %s; retrying in %.1f s", method, path, error.describe(), wait)
                await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _reply(self, path: str, request: httpx.Request) -> httpx.Response:
        try:
            return await self.http.send(request)
        except httpx.TimeoutException:
            raise OpenApiError(path, None, None,
                               f"no reply within {self.settings.timeout:g} s") from None
        except httpx.TransportError as exc:
            raise OpenApiError(path, None, None,
                               f"could not connect ({type(exc).__name__})") from None

    def _data(self, path: str, response: httpx.Response) -> dict:
        try:
            reply = response.json()
        except ValueError:
            reply = None
        retry_after = _seconds(response.headers.get("retry-after"))
        if not isinstance(reply, dict) or "code" not in reply:
            content_type = response.headers.get("content-type", "no type")
            raise OpenApiError(path, response.status_code, None,
                               f"a reply that is not TikTok's JSON ({content_type[:60]})",
                               retry_after=retry_after)
        code = reply.get("code")
        message = str(reply.get("message") or "")
        request_id = reply.get("request_id")
        if code != 0 or response.status_code >= 400:
            raise OpenApiError(path, response.status_code, code, message,
                               str(request_id) if request_id else None, retry_after)
        data = reply.get("data")
        return data if isinstance(data, dict) else {}

    def _backoff(self, attempt: int) -> float:
        """Full jitter: anywhere up to the exponential step, so that workers spread out."""
        return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)) * (0.5 + self._jitter() / 2)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _likely_cause(error: OpenApiError) -> str:
    """What a 401 most likely means, for whoever reads the log."""
    text = error.message.lower()
    if error.status == 401 and "sign" in text:
        return " -- the request signature was refused: check TIKTOKSHOP_APP_SECRET"
    if error.status == 401 and ("timestamp" in text or "clock" in text):
        return " -- the request timestamp was refused: this server's clock is off"
    if error.status == 401 and "app" in text and "key" in text:
        return " -- the app was not recognised: check TIKTOKSHOP_APP_KEY and TIKTOKSHOP_APP_SECRET"
    if error.status is None:
        return " -- TikTok could not be reached"
    return ""
