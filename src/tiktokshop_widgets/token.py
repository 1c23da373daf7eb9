"""Widget tokens from the ISV's backend, cached until shortly before they expire.

    token = BackendToken("https://backend.example/api/v1/widget/access_token",
                         outer_shop_id="7495610000000000001")
    info = await token()   # {"token": "eyJhbGciOiJIUzUxMiIs...", "expire_at": "1767225600"}

The backend answers as in TikTok's examples,
``{"code": 0, "message": "success", "data": {"token": ..., "expire_at": ...}}``,
and ``tiktokshop_backend`` adds ``expires_in``: the seconds the token has left
on the server's clock when it answered.

Lifetimes are judged on the server's clock: the browser's may be minutes off
(a seller's computer set by hand, a laptop back from sleep), and a widget token
lives 5 minutes. With ``expires_in`` the token's end on the browser's clock is
the browser's time when it asked plus ``expires_in`` (early by up to the round
trip, never late). A backend that sends only ``expire_at`` is judged by it
against the browser's clock, as before: there, a browser whose clock is off
still misjudges its tokens.

The ``expire_at`` handed out (the widget gets it from ``getToken``) is that end
on the browser's clock: the widget runs in the browser and can compare it with
nothing but ``Date.now()`` (the sandbox's widget does exactly that), so the
server's own ``expire_at`` would make a widget on a slow clock keep a token past
its end and one on a fast clock ask for a new token before every call. Where
the clocks agree, the two are the same second (give or take the round trip).

Concurrent callers share one request; a reused token is handed out until
``refresh_margin`` seconds (at most a quarter of its lifetime) before it
expires. Every failure is a ``TokenError`` that names the cause and keeps what
the backend said. Any async callable returning ``{"token", "expire_at"}``
can stand in for ``BackendToken``; ``token_info`` checks its reply the same way.
A call runs in a task of its own (``Page.in_task``): any coroutine may await it.
"""

import asyncio
import time

from .backend import Backend
from .errors import TokenError


class BackendToken:
    """The default token source of ``WidgetKit``: an async callable returning
    ``{"token", "expire_at"}`` for ``outer_shop_id`` from the backend at ``url``.

    A token is reused until ``refresh_margin`` seconds (at most a quarter of its
    lifetime) before it expires, judged by the backend's ``expires_in`` when it
    sends one; ``expire_at`` is on ``clock`` (the browser's); ``timeout`` is in
    seconds; failures are ``TokenError``.
    """

    def __init__(self, url, outer_shop_id, partner_type="1", refresh_margin=60, timeout=10,
                 credentials="include", fetch=None, clock=time.time, page=None):
        self._backend = Backend("", timeout=timeout, credentials=credentials, fetch=fetch,
                                page=page)
        self.url = self._backend.url(url, (("outer_shop_id", outer_shop_id),
                                           ("partner_type", partner_type)))
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._cached = None
        self._refresh_at = 0
        self._pending = None  # asyncio.Event of the request under way
        self._outcome = None  # (info, error) of the last request

    async def __call__(self):
        return await self._backend.page.in_task(self._token())

    async def _token(self):
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
        # expires_in counts from the server's answer, which came after this.
        asked_at = self._clock()
        reply = await self._backend.get(self.url, (), TokenError, "The token service")
        info = token_info(reply, asked_at)
        lifetime = int(info["expire_at"]) - asked_at
        self._cached = info
        self._refresh_at = asked_at + lifetime - min(self.refresh_margin, lifetime / 4)
        return info


def token_info(reply, now=None):
    """``{"token", "expire_at"}`` out of a backend reply's ``data``, checked.

    ``reply`` is the whole parsed reply (``code``, ``message``, ``data``). With
    ``now`` (unix seconds on the browser's clock, taken before the request), an
    expired token is refused, and an ``expires_in`` in the reply (seconds left
    on the server's clock) makes ``expire_at`` ``now + expires_in``: the token's
    end on the browser's clock.
    """
    data = reply.get("data")
    if not isinstance(data, dict):
        raise TokenError("field", "The token service's reply has no data object.")
    token = data.get("token")
    expire_at = _digits_or_none(data.get("expire_at"))
    if not isinstance(token, str) or not token:
        raise TokenError("field", "The token service's reply has no token.")
    if expire_at is None:
        raise TokenError("field", "The token service's reply has no valid expire_at "
                         "(unix seconds).")
    if now is None:
        return {"token": token, "expire_at": expire_at}
    if "expires_in" in data:
        expires_in = data["expires_in"]
        if not (isinstance(expires_in, int) and not isinstance(expires_in, bool)):
            expires_in = _digits_or_none(expires_in)
            if expires_in is None:
                raise TokenError("field", "The token service's reply has an expires_in that "
                                 "is not a whole number of seconds.")
        expire_at = str(int(now) + int(expires_in))  # rounded down: never later than the end
    if int(expire_at) <= now:
        raise TokenError("expired", "The token service gave a token that has already expired.")
    return {"token": token, "expire_at": expire_at}


def _digits_or_none(value):
    """A whole number of seconds as text ("300", from 300 or "300"), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    # str.isdigit also accepts digits int() refuses, such as "²".
    if isinstance(value, str) and value and all(char in "0123456789" for char in value):
        return value
    return None
