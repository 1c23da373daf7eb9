"""The ISV backend's widget token endpoint, the one the seed's examples call.

    GET /api/v1/widget/access_token?outer_shop_id=7495610000000000001&partner_type=1
    Cookie: seller_session=...            (a seller signed in to that shop)
    -> 200 {"code": 0, "message": "success",
            "data": {"token": "eyJhbGciOiJIUzUxMiIs...", "expire_at": "1767225600"}}

A widget token opens a shop's data, so it is issued only to the browser of a
seller signed in to that very shop (``sessions``). How sellers sign in is the
ISV's own business; serve.py's sandbox signs its visitors in to a demo shop
(``sandbox_sign_in``). A request goes through, in this order:

1. its page's origin: none (a same-origin GET), this server's own, or one of
   ``settings.cors_origins``, which get CORS with credentials. Any other
   Origin is refused (403): CORS alone would hide the reply from that page
   but still act on a request carrying the seller's cookie;
2. the rate, per client IP and then per seller session (429, ``Retry-After``);
3. the session: no seller is 401;
4. the query: exactly ``outer_shop_id`` (digits) and ``partner_type`` (1),
   each once (400); a shop other than the session's is 403.

Every reply is JSON, ``{"code": ..., "message": ..., "data": ...}``, with a
non-zero code and ``data: null`` on errors, and is never cached. Tokens travel
only in reply bodies: never in a URL, never in a log line.

"This server's own origin" is, by default, the one the request names: its Host
header and scheme. That suits the dev server, reached as 127.0.0.1, localhost
or a LAN address alike, but Host is chosen by the client, and behind a reverse
proxy the app may see the proxy's internal name and plain http. A production
backend should configure its public origin (``settings.public_origin``,
``serve.py --public-origin https://app.example``): that origin is then its own,
whatever a request's Host says, and a request for any other host is refused
by Starlette's TrustedHostMiddleware (400, in plain text: no page of ours
sends one), which also defeats DNS rebinding (a page on an attacker's name
that resolves to this server).

The per-IP limit counts the client address uvicorn reports. uvicorn takes it
from X-Forwarded-For when the connection comes from an address it trusts
(``--forwarded-allow-ips``, env ``FORWARDED_ALLOW_IPS``; loopback by default):
behind a proxy on another address, list that proxy, or every seller counts as
the proxy; never list addresses clients can connect from, or each client
picks the IP it is counted as.
"""

import re
from collections.abc import Collection

from starlette.datastructures import URL, Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from tiktokshop_sandbox import TokenSigner

from .origins import host_of, origin_of
from .rate_limit import TokenRateLimits
from .replies import json_reply
from .sessions import current_seller
from .settings import Settings

TOKEN_PATH = "/api/v1/widget/access_token"
SHOP_ID = re.compile(r"^[0-9]{1,32}$")
PARTNER_TYPES = ("1",)
QUERY_PARAMETERS = ("outer_shop_id", "partner_type")
MAX_QUERY_BYTES = 256

# The backend's own codes (TikTok's widget codes are the platform's, not ours).
INVALID_PARAMETER = 40000
NOT_SIGNED_IN = 40100
NOT_YOUR_SHOP = 40300
ORIGIN_NOT_ALLOWED = 40301
SHOP_NOT_FOUND = 40400
METHOD_NOT_ALLOWED = 40500
TOO_MANY_REQUESTS = 42900


class InvalidQuery(ValueError):
    """The query string is not what the endpoint takes; the message says why."""


def routes(signer: TokenSigner, settings: Settings) -> list:
    limits = TokenRateLimits(settings.token_limit_per_session, settings.token_limit_per_ip)
    # With a public origin, requests must be for its host; TrustedHostMiddleware
    # compares the host without the port, as the port a proxy forwards may differ.
    own_host = [Middleware(TrustedHostMiddleware, allowed_hosts=[host_of(settings.public_origin)],
                           www_redirect=False)] if settings.public_origin else []
    return [
        Route(
            TOKEN_PATH,
            AccessTokenEndpoint(signer, limits),
            name="access_token",
            middleware=[
                *own_host,
                Middleware(RefuseOtherOrigins, allowed=settings.cors_origins,
                           own_origin=settings.public_origin),
                Middleware(
                    CORSMiddleware,
                    allow_origins=list(settings.cors_origins),
                    allow_credentials=True,
                    allow_methods=["GET"],
                    max_age=600,
                ),
            ],
        )
    ]


class AccessTokenEndpoint:
    """The endpoint, as an ASGI app so that it answers every method itself (in JSON)."""

    def __init__(self, signer: TokenSigner, limits: TokenRateLimits):
        self.signer = signer
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Everything here is quick and in memory: it runs on the event loop.
        response = self.respond(Request(scope, receive))
        await response(scope, receive, send)

    def respond(self, request: Request) -> JSONResponse:
        if request.method != "GET":
            return json_reply(405, METHOD_NOT_ALLOWED, f"use GET, not {request.method[:20]}",
                              headers={"allow": "GET"})
        if wait := self.limits.hit_ip(request.client.host if request.client else "unknown"):
            return too_many_requests(wait)
        seller = current_seller(request.session)
        if seller is None:
            return json_reply(401, NOT_SIGNED_IN,
                              "no seller is signed in: sign in, then ask again")
        if wait := self.limits.hit_session(seller.id):
            return too_many_requests(wait)
        try:
            shop_id = requested_shop(request)
        except InvalidQuery as exc:
            return json_reply(400, INVALID_PARAMETER, str(exc))
        if shop_id != seller.shop_id:
            return json_reply(403, NOT_YOUR_SHOP,
                              f"the signed-in seller is not a seller of shop {shop_id}")
        issued = self.signer.issue(shop_id)
        return json_reply(200, 0, "success",
                          {"token": issued.token, "expire_at": str(issued.expire_at)})


def requested_shop(request: Request) -> str:
    """The shop id of a well-formed query; InvalidQuery otherwise."""
    if len(request.scope["query_string"]) > MAX_QUERY_BYTES:
        raise InvalidQuery(f"the query string is longer than {MAX_QUERY_BYTES} bytes")
    names = [name for name, _ in request.query_params.multi_items()]
    for name in names:
        if name not in QUERY_PARAMETERS:
            raise InvalidQuery(f"unexpected query parameter {name[:40]!r}; "
                               f"the parameters are {' and '.join(QUERY_PARAMETERS)}")
    for name in QUERY_PARAMETERS:
        if names.count(name) > 1:
            raise InvalidQuery(f"{name} is given {names.count(name)} times; give it once")
    if not SHOP_ID.match(request.query_params.get("outer_shop_id", "")):
        raise InvalidQuery("outer_shop_id must be a numeric shop id")
    if request.query_params.get("partner_type") not in PARTNER_TYPES:
        raise InvalidQuery("partner_type must be 1")
    return request.query_params["outer_shop_id"]


class RefuseOtherOrigins:
    """403 for a request sent by a page on an origin that is neither ours nor allowed.

    Browsers send Origin on every cross-origin fetch; a same-origin GET and a
    client that is not a browser send none, and are not a foreign page. Ours is
    ``own_origin`` when configured, else the origin the request was sent to.
    """

    def __init__(self, app: ASGIApp, allowed: Collection[str], own_origin: str | None = None):
        self.app = app
        self.allowed = frozenset(allowed)
        self.own_origin = own_origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is not None and origin not in self.allowed and origin != self._own(scope):
            response = json_reply(403, ORIGIN_NOT_ALLOWED,
                                  f"pages on {origin[:100]!r} may not ask for widget tokens")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _own(self, scope: Scope) -> str | None:
        if self.own_origin:
            return self.own_origin
        try:
            return origin_of(str(URL(scope=scope)))
        except ValueError:  # a Host header no browser would send: no page of ours
            return None


def too_many_requests(wait: int) -> JSONResponse:
    return json_reply(429, TOO_MANY_REQUESTS, f"too many token requests: try again in {wait} s",
                      headers={"retry-after": str(wait)})
