"""The seller's session: a signed, HttpOnly cookie naming the connected seller and current shop.

    middleware = [session_middleware(settings)]
    sign_in(request.session, open_id)        # the OAuth callback, after the code exchange
    session_seller(request)                  # the default seller hook: open_id or None

The cookie is Starlette's SessionMiddleware (itsdangerous-signed: whoever
holds it can read it but not change it), HttpOnly so that page scripts never
see it, SameSite and Secure as the settings say. It holds ids only (``sid``
keys the per-session rate limit, ``open_id`` the seller, ``shop_id`` the
current shop, ``oauth_state`` a pending authorization): never a token.
"""

import secrets

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE_NAME = "seller_session"
# A working day: a seller who comes back tomorrow is asked to connect again.
MAX_AGE = 12 * 60 * 60


def sign_in(session: dict, open_id: str) -> None:
    """Bind ``session`` to the seller, as a new session with a new id (no fixation)."""
    session.clear()
    session.update(sid=secrets.token_urlsafe(16), open_id=open_id)


def session_id(session: dict) -> str:
    """The session's id, made now for a session that has none."""
    if not isinstance(session.get("sid"), str):
        session["sid"] = secrets.token_urlsafe(16)
    return session["sid"]


def session_seller(request: Request) -> str | None:
    """The default seller hook: the seller the OAuth callback signed this browser in as."""
    open_id = request.session.get("open_id")
    return open_id if isinstance(open_id, str) else None


def session_middleware(settings) -> Middleware:
    return Middleware(SessionCookies, secret=settings.session_secret,
                      same_site=settings.cookie_samesite, secure=settings.cookie_secure)


class SessionCookies:
    """SessionMiddleware whose cookie is Secure on HTTPS requests when ``secure`` is "auto".

    SessionMiddleware fixes the flag when it is made, while one server may be
    reached over HTTP and, through a TLS proxy, over HTTPS: so there is one
    middleware for each, picked per request by the scheme uvicorn reports.
    """

    def __init__(self, app: ASGIApp, *, secret: str, same_site: str, secure: str):
        def middleware(https_only: bool) -> SessionMiddleware:
            return SessionMiddleware(app, secret_key=secret, session_cookie=COOKIE_NAME,
                                     max_age=MAX_AGE, same_site=same_site, https_only=https_only)

        self.over_http = middleware(https_only=secure == "always")
        self.over_https = middleware(https_only=secure != "never")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secure = scope.get("scheme") in ("https", "wss")
        await (self.over_https if secure else self.over_http)(scope, receive, send)
