"""The ISV backend's JSON endpoints, called with the seller's cookie.

    backend = Backend("https://backend.example", timeout=10)
    reply = await backend.get(SELLER_PATH)                  # {"code": 0, "message", "data"}
    reply = await backend.post(CURRENT_SHOP_PATH, {"shop_id": "7495610000000000002"})

Every endpoint answers as the seed's token endpoint does:
``{"code": 0, "message": "success", "data": {...}}``, a non-zero ``code`` and
``data: null`` (or details) on errors. The paths here are the contract between
this library and the backend package (``tiktokshop_backend``), which serves
them: one source for both. Failures raise ``error_class(kind, message, ...)``
(``BackendError`` unless the caller names a subclass), with ``kind`` one of
"http", "json", "code", "timeout", "network", "blocked" (the page's own
Content-Security-Policy does not allow the backend's origin: the console says
what to add). Their messages are for the seller; the browser's own words for a
failed request are the error's ``browser_message``.

Each request runs in a task of its own (``Page.in_task``), so that its timeout
(asyncio's ``wait_for``) works whoever awaits it: on MicroPython, a coroutine
awaited at a script's top level or in an ``async`` event handler runs outside
asyncio, where ``wait_for`` would cancel that caller and break it.
"""

import asyncio
import json

from .background import in_background
from .errors import BackendError, js_error_message
from .page import policy_advice

TOKEN_PATH = "/api/v1/widget/access_token"
SELLER_PATH = "/api/v1/seller"
CURRENT_SHOP_PATH = "/api/v1/seller/current_shop"
RETURNS_SUMMARY_PATH = "/api/v1/returns/summary"
EVENTS_PATH = "/api/v1/events"
# Codes of a 401 from any endpoint whose data carries the connect_url to send the seller to.
NOT_CONNECTED = 40100
RECONNECT_NEEDED = 40101
# How messages name the backend, unless a caller names the service it asked.
SERVICE = "The app's server"
QUERY_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"


class Backend:
    """The ISV backend at ``base_url``: JSON requests with the seller's cookie
    (``credentials``), each given up after ``timeout`` seconds; ``page`` is the
    JavaScript side (the browser's by default), ``fetch`` the browser's fetch."""

    def __init__(self, base_url, timeout=10, credentials="include", fetch=None, page=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.credentials = credentials
        self._fetch = fetch or _browser_fetch
        self._page = page

    @property
    def page(self):
        """The JavaScript side (``page.Page``): the browser's unless one was given."""
        if self._page is None:
            from .browser import BrowserPage

            self._page = BrowserPage()
        return self._page

    def url(self, path, query=()):
        """``base_url + path``, with ``query`` (name, value) pairs appended."""
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        if query:
            url += ("&" if "?" in url else "?") + query_string(query)
        return url

    def resolve(self, url, base=None):
        """A URL the backend gave, absolute or a path on its own origin (that of ``base``,
        the backend's by default), as the page can use it."""
        if url.startswith(("http://", "https://")) or not url.startswith("/"):
            return url
        scheme, separator, rest = (self.base_url if base is None else base).partition("://")
        return (scheme + separator + rest.split("/")[0] if separator else "") + url

    async def get(self, path, query=(), error_class=BackendError, service=SERVICE):
        """GET ``path`` with ``query`` pairs: the reply's JSON when its ``code`` is 0, else ``error_class``."""
        return await self.request("GET", self.url(path, query), None, error_class, service)

    async def post(self, path, body, error_class=BackendError, service=SERVICE):
        """POST ``body`` as JSON to ``path``: the reply's JSON when its ``code`` is 0, else ``error_class``."""
        return await self.request("POST", self.url(path), body, error_class, service)

    async def request(self, method, url, body, error_class, service):
        """The parsed reply of ``method url``; ``error_class`` for any failure."""
        return await self.page.in_task(self._request(method, url, body, error_class, service))

    async def _request(self, method, url, body, error_class, service):
        options = {"method": method, "credentials": self.credentials,
                   "headers": {"accept": "application/json"}}
        if body is not None:
            options["headers"]["content-type"] = "application/json"
            options["body"] = json.dumps(body)
        try:
            status, text = await _within(self._status_and_text(url, options), self.timeout)
        except asyncio.TimeoutError:
            raise error_class("timeout", service + " did not answer within "
                              + str(self.timeout) + " s.")
        except Exception as error:  # a JS TypeError ("Failed to fetch") or the like
            raise await self._unreachable(url, error, error_class, service)
        try:
            return parse_reply(status, text, error_class, service)
        except BackendError as error:
            # "Connect your TikTok Shop (again)": what the seller can do about it, and where.
            connect_url = error.data.get("connect_url") if isinstance(error.data, dict) else None
            if error.status == 401 and isinstance(connect_url, str):
                error.connect_url = self.resolve(connect_url, base=url)
                error.reconnect = error.code == RECONNECT_NEEDED
            raise

    async def _unreachable(self, url, error, error_class, service):
        """The error for a request that got no reply, in the seller's words."""
        directive = await self.page.blocked_by_policy(url)
        if directive:
            self.page.warn(policy_advice(url, directive))
            failure = error_class("blocked", service + " could not be reached: this page's "
                                  "security settings do not allow it.")
        else:
            failure = error_class("network", service + " could not be reached.")
        failure.browser_message = js_error_message(error)
        return failure

    async def _status_and_text(self, url, options):
        response = await self._fetch(url, **options)
        return response.status, await response.text()


async def _within(coroutine, seconds):
    """``await coroutine``, or ``asyncio.TimeoutError`` after ``seconds``; then the
    coroutine is left to end on its own, its outcome dropped, never cancelled.

    A fetch is not stopped by cancelling its await, and cancelling Pyodide's await of
    a JS promise makes it report an ``InvalidStateError`` in the console once the
    promise settles (seen when a tab woke from hours in the background: the timers
    it had missed, a request's timeout among them, fired at once, the reply in flight).
    """
    outcome = []
    settled = asyncio.Event()

    async def run():
        try:
            outcome.append((await coroutine, None))
        except Exception as error:
            outcome.append((None, error))
        settled.set()

    in_background(run())
    await asyncio.wait_for(settled.wait(), seconds)
    value, error = outcome[0]
    if error is not None:
        raise error
    return value


def parse_reply(status, body, error_class=BackendError, service=SERVICE):
    """The reply as a dict with ``code`` 0; ``error_class`` naming what was wrong."""
    try:
        reply = json.loads(body)
    except ValueError:
        reply = None
    message = reply.get("message") if isinstance(reply, dict) else None
    message = message if isinstance(message, str) and message else None
    code = reply.get("code") if isinstance(reply, dict) else None
    data = reply.get("data") if isinstance(reply, dict) else None
    if not 200 <= status < 300:
        raise error_class("http", service + " answered HTTP " + str(status)
                          + (": " + message if message else "") + ".",
                          status=status, code=code, backend_message=message, data=data)
    if not isinstance(reply, dict):
        raise error_class("json", service + "'s reply is not a JSON object.", status=status)
    if code != 0:
        raise error_class("code", service + " refused: " + (message or "no reason given")
                          + " (code " + str(code) + ").",
                          status=status, code=code, backend_message=message, data=data)
    return reply


def query_string(pairs):
    """``a=1&b=2`` with percent-encoding (MicroPython has no urllib)."""
    parts = []
    for key, value in pairs:
        parts.append(_quote(str(key)) + "=" + _quote(str(value)))
    return "&".join(parts)


def _quote(text):
    out = []
    for char in text:
        if char in QUERY_SAFE:
            out.append(char)
        else:
            for byte in char.encode("utf-8"):
                out.append("%%%02X" % byte)
    return "".join(out)


async def _browser_fetch(url, **options):
    from pyscript import fetch

    return await fetch(url, **options)
