"""Widget tokens from the ISV's backend, cached until shortly before they expire.

    token = BackendToken("https://backend.example/api/v1/widget/access_token",
                         outer_shop_id="7495610000000000001")
    info = await token()   # {"token": "eyJhbGciOiJIUzUxMiIs...", "expire_at": "1767225600"}

The backend answers as in TikTok's examples:
``{"code": 0, "message": "success", "data": {"token": ..., "expire_at": ...}}``.
Concurrent callers share one request; a reused token is handed out until
``refresh_margin`` seconds (at most a quarter of its lifetime) before it
expires. Every failure is a ``TokenError`` that names the cause and keeps what
the backend said. Any async callable returning ``{"token", "expire_at"}``
can stand in for ``BackendToken``; ``token_info`` checks its reply the same way.
"""

import asyncio
import json
import time

from .errors import TokenError, js_error_message

QUERY_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"


class BackendToken:
    def __init__(self, url, outer_shop_id, partner_type="1", refresh_margin=60, timeout=10,
                 credentials="include", fetch=None, clock=time.time):
        self.url = url + ("&" if "?" in url else "?") + query_string(
            (("outer_shop_id", outer_shop_id), ("partner_type", partner_type)))
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self.credentials = credentials
        self._fetch = fetch or _browser_fetch
        self._clock = clock
        self._cached = None
        self._refresh_at = 0
        self._pending = None  # asyncio.Event of the request under way
        self._outcome = None  # (info, error) of the last request

    async def __call__(self):
        if self._cached is not None and self._clock() < self._refresh_at:
            return self._cached
        if self._pending is None:
            self._pending = asyncio.Event()
            # What the callers waiting on this request get if it never finishes.
            self._outcome = (None, TokenError("network", "The token request was interrupted."))
            try:
                self._outcome = (await self._request(), None)
            except TokenError as error:
                self._outcome = (None, error)
            finally:
                pending, self._pending = self._pending, None
                pending.set()
        else:
            await self._pending.wait()
        info, error = self._outcome
        if error is not None:
            raise error
        return info

    def invalidate(self):
        """Forget the cached token: the next call asks the backend again."""
        self._cached = None

    async def _request(self):
        try:
            status, body = await asyncio.wait_for(self._status_and_body(), self.timeout)
        except asyncio.TimeoutError:
            raise TokenError("timeout", "The token service did not answer within "
                             + str(self.timeout) + " s.")
        except Exception as error:  # a JS TypeError ("Failed to fetch") or the like
            raise TokenError("network", "The token service could not be reached ("
                             + js_error_message(error) + ").")
        now = self._clock()
        info = token_info(_parse_reply(status, body), now)
        lifetime = int(info["expire_at"]) - now
        self._cached = info
        self._refresh_at = now + lifetime - min(self.refresh_margin, lifetime / 4)
        return info

    async def _status_and_body(self):
        response = await self._fetch(self.url, method="GET", credentials=self.credentials,
                                     headers={"accept": "application/json"})
        return response.status, await response.text()


def token_info(reply, now=None):
    """``{"token", "expire_at"}`` out of a backend reply's ``data``, checked.

    ``reply`` is the whole parsed reply (``code``, ``message``, ``data``).
    """
    data = reply.get("data")
    if not isinstance(data, dict):
        raise TokenError("field", "The token service's reply has no data object.")
    token = data.get("token")
    expire_at = data.get("expire_at")
    if not isinstance(token, str) or not token:
        raise TokenError("field", "The token service's reply has no token.")
    if isinstance(expire_at, int) and not isinstance(expire_at, bool):
        expire_at = str(expire_at)
    if not isinstance(expire_at, str) or not _is_digits(expire_at):
        raise TokenError("field", "The token service's reply has no valid expire_at "
                         "(unix seconds).")
    if now is not None and int(expire_at) <= now:
        raise TokenError("expired", "The token service gave a token that has already expired.")
    return {"token": token, "expire_at": expire_at}


def _is_digits(text):
    # str.isdigit also accepts digits int() refuses, such as "²".
    return bool(text) and all(char in "0123456789" for char in text)


def _parse_reply(status, body):
    try:
        reply = json.loads(body)
    except ValueError:
        reply = None
    message = reply.get("message") if isinstance(reply, dict) else None
    message = message if isinstance(message, str) and message else None
    if not 200 <= status < 300:
        text = "The token service answered HTTP " + str(status)
        raise TokenError("http", text + (": " + message if message else "") + ".",
                         status=status, code=_code(reply), backend_message=message)
    if not isinstance(reply, dict):
        raise TokenError("json", "The token service's reply is not a JSON object.", status=status)
    code = _code(reply)
    if code != 0:
        raise TokenError("code", "The token service refused: " + (message or "no reason given")
                         + " (code " + str(code) + ").",
                         status=status, code=code, backend_message=message)
    return reply


def _code(reply):
    return reply.get("code") if isinstance(reply, dict) else None


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
