"""The seller's session: a signed, HttpOnly cookie naming the connected seller and current shop.

    middleware = [session_middleware(settings)]
    sign_in(backend_session(request), open_id)   # the OAuth callback, after the code exchange
    session_seller(request)                      # the default seller hook: open_id or None

The cookie is Starlette's SessionMiddleware (itsdangerous-signed: whoever
holds it can read it but not change it), HttpOnly so that page scripts never
see it, SameSite and Secure as the settings say. It holds ids only (``sid``
keys the per-session rate limit, ``open_id`` the seller, ``shop_id`` the
current shop, ``oauth_state`` a pending authorization): never a token.

It is the backend's own session, not the app's it is mounted in: SessionMiddleware
keeps its session at ``scope["session"]``, where the host app's own
SessionMiddleware keeps the ISV's login, and a mounted app shares its host's
scope. So the backend's session lives at ``scope[BACKEND_SESSION]``
(``backend_session(request)``), and ``request.session`` stays the host app's,
for the ISV's seller hook and callbacks to read their own login from.
"""

import secrets

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE_NAME = "seller_session"
BACKEND_SESSION = "tiktokshop_backend.session"
_HOST_SESSION = "tiktokshop_backend.host_session"
# A working day: a seller who comes back tomorrow is asked to connect again.
MAX_AGE = 12 * 60 * 60
_NO_SESSION = object()


def sign_in(session: dict, open_id: str) -> None:
    """Bind ``session`` to the seller, as a new session with a new id (no fixation)."""
    session.clear()
    session.update(sid=secrets.token_urlsafe(16), open_id=open_id)


def backend_session(connection: HTTPConnection) -> dict:
    """The backend's own session of this request (not the host app's ``request.session``)."""
    return connection.scope[BACKEND_SESSION]


def session_id(session: dict) -> str:
    """The session's id, made now for a session that has none."""
    if not isinstance(session.get("sid"), str):
        session["sid"] = secrets.token_urlsafe(16)
    return session["sid"]


def session_seller(request: Request) -> str | None:
    """The default seller hook: the seller the OAuth callback signed this browser in as."""
    open_id = backend_session(request).get("open_id")
    return open_id if isinstance(open_id, str) else None


def session_middleware(settings) -> Middleware:
    return Middleware(SessionCookies, secret=settings.session_secret,
                      same_site=settings.cookie_samesite, secure=settings.cookie_secure)


class SessionCookies:
    """The backend's session cookie, at ``scope[BACKEND_SESSION]``; the host app's
    ``scope["session"]`` (if any) untouched.

    Secure on HTTPS requests when ``secure`` is "auto": SessionMiddleware fixes
    the flag when it is made, while one server may be reached over HTTP and,
    through a TLS proxy, over HTTPS: so there is one middleware for each, picked
    per request by the scheme uvicorn reports. SessionMiddleware reads and
    writes ``scope["session"]``: it gets a copy of the scope, and the endpoints
    another, where ``session`` is the host app's again.
    """

    def __init__(self, app: ASGIApp, *, secret: str, same_site: str, secure: str):
        def middleware(https_only: bool) -> SessionMiddleware:
            return SessionMiddleware(self.with_host_session, secret_key=secret,
                                     session_cookie=COOKIE_NAME, max_age=MAX_AGE,
                                     same_site=same_site, https_only=https_only)

        self.app = app
        self.over_http = middleware(https_only=secure == "always")
        self.over_https = middleware(https_only=secure != "never")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") in ("https", "wss")
        own = {**scope, _HOST_SESSION: scope.get("session", _NO_SESSION)}
        await (self.over_https if secure else self.over_http)(own, receive, send)

    async def with_host_session(self, own: Scope, receive: Receive, send: Send) -> None:
        scope = {key: value for key, value in own.items() if key != _HOST_SESSION}
        scope[BACKEND_SESSION] = own["session"]
        if own[_HOST_SESSION] is _NO_SESSION:
            del scope["session"]
        else:
            scope["session"] = own[_HOST_SESSION]
        await self.app(scope, receive, send)
