"""Seller sessions: a signed, HttpOnly cookie saying which shop the browser's seller is in.

    secret = load_or_create_session_secret(settings.session_secret_path, token_secret)
    app = Starlette(middleware=[session_middleware(secret, settings)], ...)

    sign_in(request.session, "7495610000000000001")      # after your login succeeded
    seller = current_seller(request.session)             # SellerSession or None
    seller.shop_id, seller.id                            # the id keys per-session limits

The cookie is Starlette's SessionMiddleware (itsdangerous-signed: whoever holds
it can read it but not change it), HttpOnly so page scripts never see it, with
the SameSite and Secure flags the settings ask for. Its signing secret is
not the widget-token secret: one leaking must not give away the other.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from tiktokshop_sandbox import SecretUnfit, load_or_create_secret

from .settings import Settings

COOKIE_NAME = "seller_session"
# A working day: a seller who comes back tomorrow signs in again.
MAX_AGE = 12 * 60 * 60
SESSION_SECRET_ENV = "DEVSERVER_SESSION_SECRET"


@dataclass(frozen=True)
class SellerSession:
    id: str
    shop_id: str


def sign_in(session: dict, shop_id: str) -> SellerSession:
    """Bind ``session`` to a seller of ``shop_id``, as a new session with a new id."""
    session.clear()
    seller = SellerSession(id=secrets.token_urlsafe(16), shop_id=shop_id)
    session.update(sid=seller.id, shop_id=seller.shop_id)
    return seller


def current_seller(session: dict) -> SellerSession | None:
    """The signed-in seller of ``session``; None when nobody is signed in."""
    sid, shop_id = session.get("sid"), session.get("shop_id")
    if isinstance(sid, str) and isinstance(shop_id, str):
        return SellerSession(sid, shop_id)
    return None


def session_middleware(secret: bytes, settings: Settings) -> Middleware:
    return Middleware(
        SessionCookies,
        secret=secret.decode("latin-1"),  # any bytes, one character each
        same_site=settings.cookie_samesite,
        secure=settings.cookie_secure,
    )


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


def load_or_create_session_secret(path: Path, token_secret: bytes, environ=None) -> bytes:
    """The cookie-signing secret: from ``DEVSERVER_SESSION_SECRET``, else the data dir,
    else made now, like the token secret (SecretUnfit if too short) but not equal to it."""
    environ = os.environ if environ is None else environ
    secret = load_or_create_secret(path, environ, SESSION_SECRET_ENV)
    if secret == token_secret:
        raise SecretUnfit(f"the session secret ({SESSION_SECRET_ENV} or {path}) must "
                          "differ from the token secret")
    return secret
