"""The backend's HTTP endpoints: the page's JSON API and the OAuth start and callback.

    GET  /api/v1/seller                     who am I: the seller, their shops, the current one
    POST /api/v1/seller/current_shop        {"shop_id": "..."}: switch the current shop
    GET  /api/v1/widget/access_token?outer_shop_id=...&partner_type=1   the seed's token call
    GET  /api/v1/returns/summary?outer_shop_id=...[&fresh=1]   returns awaiting the seller
    GET  /api/v1/events                     the seller's events, as Server-Sent Events
    POST /webhooks/tiktok                   TikTok's webhooks (settings.webhook_path)
    GET  /auth/tiktok/start                 302 to TikTok's authorize page (state in the session)
    GET  /auth/tiktok/callback?code=&state= checks state, exchanges the code, signs in,
                                            tells on_seller_connected, 302 back

Every JSON reply is ``{"code", "message", "data"}`` and ``no-store``; errors
have a non-zero code. A JSON request goes through, in this order:

1. its page's origin: none (same-origin GET or not a browser), the backend's
   own, or one of ``settings.cors_origins`` (which get CORS with credentials);
   any other is refused (403 40301): CORS alone would hide the reply but still
   act on a request carrying the seller's cookie;
2. the method (405 40500) and the rate per client IP (429 42900, Retry-After);
3. the seller, as the seller hook names them (401 40100 with ``connect_url``
   when none, 401 40101 when they must reconnect), then the rate per session;
4. the input (400 40000 naming the problem), and the shop: one of the
   seller's (403 40300).
TikTok failing or down is 502 50200, TikTok rate limiting 503 50300 with
Retry-After; the database unavailable 503 50301, Redis 503 50302 (the OAuth
pages say it in a sentence), and the next request tries them again.
Tokens travel only in reply bodies, never in a URL or a log line.

"The backend's own origin" is ``settings.public_origin`` when set (behind a
proxy: then requests for another host are refused by TrustedHostMiddleware),
else the origin the request names (its Host header and scheme).
"""

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Collection

from redis.exceptions import RedisError
from starlette.background import BackgroundTask
from starlette.datastructures import URL, Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tiktokshop_widgets.backend import (
    CURRENT_SHOP_PATH,
    EVENTS_PATH,
    NOT_CONNECTED,
    RECONNECT_NEEDED,
    RETURNS_SUMMARY_PATH,
    SELLER_PATH,
    TOKEN_PATH,
)

from ._authorization import NotConnected, ReconnectNeeded, SellerProfile, run_callback
from ._client import OpenApiError
from ._clock import iso_time
from ._database import describe
from ._origins import host_of, origin_of
from ._redaction import callback_credentials
from ._sessions import backend_session, session_id, sign_in
from ._store import Shop, StoreUnavailable, StoreUnreadable

START_PATH = "/auth/tiktok/start"
CALLBACK_PATH = "/auth/tiktok/callback"

SHOP_ID = re.compile(r"^[0-9]{1,32}$")
PARTNER_TYPES = ("1",)
MAX_QUERY_BYTES = 256
MAX_BODY_BYTES = 1024
MAX_CODE_LENGTH = 512
OAUTH_STATE_TTL_S = 10 * 60

INVALID_PARAMETER = 40000
NOT_YOUR_SHOP = 40300
ORIGIN_NOT_ALLOWED = 40301
METHOD_NOT_ALLOWED = 40500
TOO_MANY_REQUESTS = 42900
SERVER_ERROR = 50000
TIKTOK_FAILED = 50200
TIKTOK_RATE_LIMITED = 50300
DATABASE_UNAVAILABLE = 50301
SHARED_STATE_UNAVAILABLE = 50302
# What a 503 for our own database or Redis suggests: they come back by themselves.
UNAVAILABLE_RETRY_AFTER_S = 5

logger = logging.getLogger("tiktokshop_backend.web")

SellerHook = Callable[[Request], "str | None | Awaitable[str | None]"]
# Told of each seller the OAuth callback connected; a Response it returns answers the callback.
ConnectedHook = Callable[[Request, SellerProfile], "Response | None | Awaitable[Response | None]"]


class InvalidInput(ValueError):
    """The query or body is not what the endpoint takes; the message says why."""


def json_reply(status: int, code: int, message: str, data=None, headers=None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": data}, status_code=status,
                        headers={"cache-control": "no-store", **(headers or {})})


def routes(services, settings, seller_hook: SellerHook,
           on_seller_connected: ConnectedHook | None = None) -> list[Route]:
    api = JsonApi(services, settings, seller_hook)
    guard = api_middleware(settings)
    oauth = OAuth(services, settings, on_seller_connected)
    return [
        Route(SELLER_PATH, api.endpoint(("GET",), api.seller), middleware=guard),
        Route(CURRENT_SHOP_PATH, api.endpoint(("POST",), api.current_shop), middleware=guard),
        Route(TOKEN_PATH, api.endpoint(("GET",), api.access_token), middleware=guard),
        Route(RETURNS_SUMMARY_PATH, api.endpoint(("GET",), api.returns_summary), middleware=guard),
        Route(EVENTS_PATH, api.endpoint(("GET",), api.events), middleware=guard),
        Route(settings.webhook_path, services.webhooks.receive, methods=["POST"]),
        Route(START_PATH, oauth.start, methods=["GET"]),
        Route(CALLBACK_PATH, oauth.callback, methods=["GET"]),
    ]


def api_middleware(settings) -> list[Middleware]:
    # With a public origin, requests must be for its host; TrustedHostMiddleware
    # compares the host without the port, as the port a proxy forwards may differ.
    own_host = [Middleware(TrustedHostMiddleware, allowed_hosts=[host_of(settings.public_origin)],
                           www_redirect=False)] if settings.public_origin else []
    return [
        *own_host,
        Middleware(RefuseOtherOrigins, allowed=settings.cors_origins,
                   own_origin=settings.public_origin),
        Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                   allow_credentials=True, allow_methods=["GET", "POST"],
                   allow_headers=["content-type"], max_age=600),
    ]


def connect_url(request: Request) -> str:
    """The OAuth start, as a path on the backend's own origin (under its mount)."""
    return request.scope.get("root_path", "").rstrip("/") + START_PATH


class JsonApi:
    def __init__(self, services, settings, seller_hook: SellerHook):
        self.services = services
        self.settings = settings
        self.seller_hook = seller_hook

    def endpoint(self, methods: tuple[str, ...], handler) -> "JsonEndpoint":
        return JsonEndpoint(self, methods, handler)

    async def respond(self, request: Request, methods, handler) -> Response:
        if request.method not in methods:
            return json_reply(405, METHOD_NOT_ALLOWED,
                              f"use {' or '.join(methods)}, not {request.method[:20]}",
                              headers={"allow": ", ".join(methods)})
        shared = self.services.shared
        client_ip = request.client.host if request.client else "unknown"
        if wait := await shared.hit("ip", self.settings.token_limit_per_ip, client_ip):
            return too_many_requests(wait)
        open_id = await run_callback(self.seller_hook, request)
        if not open_id:
            return not_connected(request)
        if wait := await shared.hit("session", self.settings.token_limit_per_session,
                                    session_id(backend_session(request))):
            return too_many_requests(wait)
        try:
            return await handler(request, open_id)
        except NotYourShop as exc:
            return json_reply(403, NOT_YOUR_SHOP,
                              f"the signed-in seller is not a seller of shop {exc.shop_id}")
        except InvalidInput as exc:
            return json_reply(400, INVALID_PARAMETER, str(exc))
        except NotConnected:
            return not_connected(request)
        except ReconnectNeeded:
            return json_reply(401, RECONNECT_NEEDED, "TikTok Shop needs you to connect your "
                              "shop again", {"connect_url": connect_url(request)})
        except OpenApiError as error:
            return tiktok_failed(error)
        except StoreUnreadable as exc:
            logger.error("%s", exc)
            return json_reply(500, SERVER_ERROR, "the app's server cannot read its stored "
                              "connection to TikTok Shop; connecting again may help")

    async def seller(self, request: Request, open_id: str) -> JSONResponse:
        seller = await self.services.authorization.seller(open_id)
        try:  # an expired access token is refreshed now: a dead connection shows here first
            await self.services.authorization.access_token(open_id)
        except OpenApiError:  # TikTok unreachable: connected, as far as anyone knows
            pass
        shops = await self.services.authorization.shops(open_id)
        current = backend_session(request).get("shop_id")
        if current not in [shop.id for shop in shops]:
            current = shops[0].id if shops else None
        return json_reply(200, 0, "success", {
            "seller": {"name": seller.name},
            "shops": [{"id": shop.id, "name": shop.name, "region": shop.region}
                      for shop in shops],
            "current_shop_id": current,
            "connect_url": connect_url(request),
            # TikTok's word (a webhook), or the refresh token's end when within 7 days.
            "reconnect_by": iso_time(await self.services.authorization.reconnect_by(open_id,
                                                                                    seller)),
        })

    async def current_shop(self, request: Request, open_id: str) -> JSONResponse:
        shop_id = await requested_current_shop(request)
        await self.sellers_shop(open_id, shop_id)
        backend_session(request)["shop_id"] = shop_id
        return await self.seller(request, open_id)

    async def access_token(self, request: Request, open_id: str) -> JSONResponse:
        shop_id = requested_shop(request, ("outer_shop_id", "partner_type"))
        if request.query_params.get("partner_type") not in PARTNER_TYPES:
            raise InvalidInput("partner_type must be 1")
        shop = await self.sellers_shop(open_id, shop_id)
        token = await self.services.widget_tokens.for_shop(open_id, shop)
        # expires_in: the seconds left on this server's clock, so that a browser whose
        # clock is off judges the token's lifetime right (expire_at is TikTok's field).
        expires_in = max(0, int(token.expire_at - self.services.clock.now()))
        return json_reply(200, 0, "success", {"token": token.token,
                                              "expire_at": str(token.expire_at),
                                              "expires_in": expires_in})

    async def returns_summary(self, request: Request, open_id: str) -> JSONResponse:
        shop_id = requested_shop(request, ("outer_shop_id", "fresh"))
        fresh = request.query_params.get("fresh")
        if fresh not in (None, "1"):
            raise InvalidInput("fresh must be 1 (after a decision) or absent")
        shop = await self.sellers_shop(open_id, shop_id)
        summary = await self.services.returns_summaries.for_shop(open_id, shop,
                                                                 fresh=fresh == "1")
        return json_reply(200, 0, "success", summary)

    async def events(self, request: Request, open_id: str) -> Response:
        await self.services.authorization.seller(open_id)  # NotConnected, ReconnectNeeded
        return self.services.event_streams.open(request, open_id)

    async def sellers_shop(self, open_id: str, shop_id: str) -> Shop:
        await self.services.authorization.seller(open_id)  # NotConnected, ReconnectNeeded
        for shop in await self.services.authorization.shops(open_id):
            if shop.id == shop_id:
                return shop
        raise NotYourShop(shop_id)


class JsonEndpoint:
    """An ASGI app (so that it answers every method itself, in JSON) running the checks
    every JSON endpoint shares, then its handler."""

    def __init__(self, api: JsonApi, methods: tuple[str, ...], handler):
        self.api = api
        self.methods = methods
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:  # here, inside the CORS middleware: an allowed page can read why
            response = await self.api.respond(request, self.methods, self.handler)
        except (StoreUnavailable, RedisError) as exc:
            response = unavailable(request, exc)
        await response(scope, receive, send)


class NotYourShop(Exception):
    def __init__(self, shop_id: str):
        super().__init__(shop_id)
        self.shop_id = shop_id


def requested_shop(request: Request, parameters: tuple[str, ...]) -> str:
    """The shop id of a well-formed query of exactly ``parameters``, each once."""
    if len(request.scope["query_string"]) > MAX_QUERY_BYTES:
        raise InvalidInput(f"the query string is longer than {MAX_QUERY_BYTES} bytes")
    names = [name for name, _ in request.query_params.multi_items()]
    for name in names:
        if name not in parameters:
            raise InvalidInput(f"unexpected query parameter {name[:40]!r}; "
                               f"the parameters are {' and '.join(parameters)}")
    for name in parameters:
        if names.count(name) > 1:
            raise InvalidInput(f"{name} is given {names.count(name)} times; give it once")
    if not SHOP_ID.match(request.query_params.get("outer_shop_id", "")):
        raise InvalidInput("outer_shop_id must be a numeric shop id")
    return request.query_params["outer_shop_id"]


async def requested_current_shop(request: Request) -> str:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise InvalidInput("send the body as application/json")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidInput(f"the body is longer than {MAX_BODY_BYTES} bytes")
    try:
        value = json.loads(body)
    except ValueError:
        raise InvalidInput("the body is not JSON") from None
    if not isinstance(value, dict) or set(value) != {"shop_id"}:
        raise InvalidInput('the body must be {"shop_id": "<numeric shop id>"}')
    shop_id = value["shop_id"]
    if not isinstance(shop_id, str) or not SHOP_ID.match(shop_id):
        raise InvalidInput("shop_id must be a numeric shop id, as a string")
    return shop_id


def not_connected(request: Request) -> JSONResponse:
    return json_reply(401, NOT_CONNECTED, "no TikTok Shop is connected: connect your shop",
                      {"connect_url": connect_url(request)})


def too_many_requests(wait: int) -> JSONResponse:
    return json_reply(429, TOO_MANY_REQUESTS, f"too many requests: try again in {wait} s",
                      headers={"retry-after": str(wait)})


def tiktok_failed(error: OpenApiError) -> JSONResponse:
    """What the page hears when TikTok failed; the log has the details (the client logged them)."""
    if error.rate_limited:
        wait = max(1, int(error.retry_after or 1))
        return json_reply(503, TIKTOK_RATE_LIMITED,
                          f"TikTok Shop is limiting requests: try again in {wait} s",
                          headers={"retry-after": str(wait)})
    what = "did not answer" if error.status is None else "refused the request"
    return json_reply(502, TIKTOK_FAILED, f"TikTok Shop {what}: try again in a moment "
                      f"(request_id {error.request_id or '-'})")


def unavailable(request: Request, exc: Exception) -> Response:
    """503 for the database or Redis being away (the app's exception handler, and the
    JSON endpoints'): JSON with its code, or a sentence on the OAuth pages."""
    if isinstance(exc, StoreUnavailable):
        logger.error("%s (TIKTOKSHOP_DATABASE_URL / TIKTOKSHOP_DB_PATH)", exc)
        code, what = DATABASE_UNAVAILABLE, "its database"
    else:
        logger.error("Redis (REDIS_URL) is unavailable: %s", describe(exc))
        code, what = SHARED_STATE_UNAVAILABLE, "its shared state (Redis)"
    if request.url.path.endswith((START_PATH, CALLBACK_PATH)):
        return page(503, f"The app's server cannot reach {what} right now: try again in a "
                    "moment.", request)
    return json_reply(503, code, f"the app's server cannot reach {what}: try again in "
                      f"{UNAVAILABLE_RETRY_AFTER_S} s",
                      headers={"retry-after": str(UNAVAILABLE_RETRY_AFTER_S)})


class OAuth:
    def __init__(self, services, settings, on_seller_connected: ConnectedHook | None = None):
        self.services = services
        self.settings = settings
        self.on_seller_connected = on_seller_connected

    async def start(self, request: Request) -> Response:
        client_ip = request.client.host if request.client else "unknown"
        # Each start stores a state for a while: so starts have a rate of their own.
        if wait := await self.services.shared.hit("oauth-start", self.settings.token_limit_per_ip,
                                                  client_ip):
            return too_many_requests(wait)
        state = secrets.token_urlsafe(32)
        backend_session(request)["oauth_state"] = state
        await self.services.shared.put("oauth-state:" + state, b"1", OAUTH_STATE_TTL_S)
        return RedirectResponse(self.services.authorization.authorize_url(state), 302,
                                headers={"cache-control": "no-store"})

    async def callback(self, request: Request) -> Response:
        # Out of the URL (which the server logs): see _redaction.CallbackCredentialsOutOfUrl.
        credentials = callback_credentials(request)
        state = credentials.get("state", "")
        session = backend_session(request)
        expected = session.pop("oauth_state", None)
        # The state first: it must be the one this browser was sent with, and unused.
        if not (isinstance(expected, str) and secrets.compare_digest(state, expected)
                and await self.services.shared.take("oauth-state:" + state)):
            return page(400, "This authorization link has expired or was started in another "
                        "browser.", request)
        code = credentials.get("code", "")
        if not code or len(code) > MAX_CODE_LENGTH:
            return page(400, "TikTok Shop did not authorize the app.", request)
        try:
            seller = await self.services.authorization.connect(code)
        except OpenApiError:
            return page(502, "TikTok Shop did not complete the connection.", request)
        sign_in(session, seller.open_id)
        try:
            answer = await run_callback(self.on_seller_connected, request, seller)
        except Exception:
            logger.exception("on_seller_connected failed for seller %s", seller.open_id)
            return page(500, "Your TikTok Shop is connected, but this app could not record "
                        "it: please connect again.", request)
        if not isinstance(answer, Response):
            answer = RedirectResponse(self.settings.page_url, 302,
                                      headers={"cache-control": "no-store"})
        if answer.background is None:
            # The seller's shops are subscribed to webhooks once the reply is sent.
            answer.background = BackgroundTask(self.services.subscriptions.ensure_shops,
                                               seller.open_id)
        return answer


def page(status: int, sentence: str, request: Request) -> HTMLResponse:
    """A small page for the seller's browser, with a way to start again."""
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Connect TikTok Shop</title>"
        f"<p>{sentence} <a href=\"{connect_url(request)}\">Connect your TikTok Shop</a></p></html>",
        status, headers={"cache-control": "no-store"})


class RefuseOtherOrigins:
    """403 for a request sent by a page on an origin that is neither ours nor allowed.

    Browsers send Origin on every cross-origin fetch and on POSTs; a same-origin
    GET and a client that is not a browser send none, and are not a foreign page.
    """

    def __init__(self, app: ASGIApp, allowed: Collection[str], own_origin: str | None = None):
        self.app = app
        self.allowed = frozenset(allowed)
        self.own_origin = own_origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is not None and origin not in self.allowed and origin != self._own(scope):
            response = json_reply(403, ORIGIN_NOT_ALLOWED,
                                  f"pages on {origin[:100]!r} may not call this server")
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
