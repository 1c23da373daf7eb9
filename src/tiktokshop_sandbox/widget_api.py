"""The widget's API: the sandbox's stand-in for TikTok's Return & Refund API.

    POST <sandbox>/api/return_refund/202309/returns/search
    x-tts-access-token: eyJhbGciOiJIUzUxMiIs...
    {"shop_id": "7495610000000000001", "app_key": "6sandboxapp01", "oec_region": "US",
     "return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"], "page_size": 20}
    -> 200 {"code": 0, "message": "success",
            "data": {"return_orders": [...], "total_count": 9, "next_page_token": ""}}

Endpoints (all POST, JSON in and out, under ``<sandbox>/api/return_refund/202309``):
``returns/search``, ``reject_reasons``, ``returns/{return_id}/approve`` and
``returns/{return_id}/reject``. Every body carries ``shop_id``, ``app_key`` and
``oec_region`` (the widget's props) and every call the widget token.

The widget runs inside the ISV's page, on the ISV's origin, so the API answers
CORS for any origin (without credentials) and enforces the page-origin
allowlist itself: a refused page then gets a JSON error the widget can read and
show, where a CORS refusal would only look like a network failure. Checks run
in TikTok's order: page origin (36017010), token (36017006 / 36017005), app key
(36004003, 36017008), shop (36017009), region (I01008), and then the
endpoint's own fields. Returns and decisions are the same SQLite rows the
Open API's Return API reads and decides. (A body that is not a JSON object, or whose shop_id,
app_key or oec_region is malformed, is refused with 400 right after the token
check, since the later checks need those fields.) Errors are
``{"code": ..., "message": ..., "request_id": ..., "data": null}`` with a 4xx
status; no input makes the API answer 500.
"""

import re

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from tiktokshop_protocol import ACCESS_TOKEN_HEADER

from . import errors, model
from .errors import PlatformError
from .inputs import (
    NUMERIC_ID,
    Body,
    decode_page_token,
    encode_page_token,
    invalid,
    read_json_object,
)
from .model import Shop
from .replies import tiktok_reply
from .settings import SandboxSettings
from .store import DecisionRequest, ReturnsStore
from .widget_tokens import TokenClaims, TokenExpired, TokenInvalid, TokenSigner

API_PREFIX = "/api"
RETURN_REFUND_PATH = "/return_refund/202309"
TOKEN_HEADER = ACCESS_TOKEN_HEADER

MAX_TOKEN_LENGTH = 4096
REGION = re.compile(r"^[A-Za-z]{2}$")
APP_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
REASON_NAME = re.compile(r"^[a-z0-9_]{1,100}$")
MAX_COMMENT_LENGTH = 500
MAX_STATUS_FILTERS = len(model.RETURN_STATUSES)
MAX_RETURN_IDS = 50
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def routes(store: ReturnsStore, signer: TokenSigner, settings: SandboxSettings) -> list:
    api = WidgetApi(store, signer, settings)
    base = RETURN_REFUND_PATH
    return [
        Mount(
            API_PREFIX,
            routes=[
                Route(f"{base}/returns/search", api.search_returns, methods=["POST"]),
                Route(f"{base}/reject_reasons", api.reject_reasons, methods=["POST"]),
                Route(f"{base}/returns/{{return_id}}/approve", api.approve, methods=["POST"]),
                Route(f"{base}/returns/{{return_id}}/reject", api.reject, methods=["POST"]),
            ],
            middleware=[
                Middleware(
                    CORSMiddleware,
                    allow_origins=["*"],
                    allow_methods=["POST"],
                    allow_headers=["content-type", TOKEN_HEADER],
                )
            ],
            name="sandbox_api",
        )
    ]


class WidgetApi:
    def __init__(self, store: ReturnsStore, signer: TokenSigner, settings: SandboxSettings):
        self.store = store
        self.signer = signer
        self.app_key = settings.app_key
        self.extra_origins = frozenset(settings.allowed_origins)

    # -- endpoints -----------------------------------------------------------

    async def search_returns(self, request: Request) -> JSONResponse:
        return await self._serve(request, self._search_returns)

    async def reject_reasons(self, request: Request) -> JSONResponse:
        return await self._serve(request, self._reject_reasons)

    async def approve(self, request: Request) -> JSONResponse:
        return await self._serve(request, self._approve)

    async def reject(self, request: Request) -> JSONResponse:
        return await self._serve(request, self._reject)

    def _search_returns(self, shop: Shop, body: "Body", path_params: dict) -> dict:
        statuses = body.string_list("return_status", allowed=model.RETURN_STATUSES,
                                    max_items=MAX_STATUS_FILTERS)
        return_ids = body.string_list("return_ids", pattern=NUMERIC_ID, max_items=MAX_RETURN_IDS)
        page_size = body.integer("page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        after = decode_page_token(body.string("page_token", max_length=200, required=False))
        page = self.store.search_returns(shop.shop_id, statuses, return_ids, page_size, after)
        return {
            "return_orders": page.return_orders,
            "total_count": page.total_count,
            "next_page_token": encode_page_token(page.next_cursor),
        }

    def _reject_reasons(self, shop: Shop, body: "Body", path_params: dict) -> dict:
        return_id = body.string("return_id", pattern=NUMERIC_ID)
        reasons = self.store.reject_reasons(shop.shop_id, return_id)
        return {"reasons": [{"name": r.name, "text": r.text} for r in reasons]}

    def _approve(self, shop: Shop, body: "Body", path_params: dict) -> dict:
        return self.store.decide(shop.shop_id, DecisionRequest(
            return_id=_return_id(path_params),
            decision=body.choice("decision", model.APPROVE_DECISIONS),
            idempotency_key=body.string("idempotency_key", pattern=IDEMPOTENCY_KEY),
        ))

    def _reject(self, shop: Shop, body: "Body", path_params: dict) -> dict:
        return self.store.decide(shop.shop_id, DecisionRequest(
            return_id=_return_id(path_params),
            decision=body.choice("decision", model.REJECT_DECISIONS),
            idempotency_key=body.string("idempotency_key", pattern=IDEMPOTENCY_KEY),
            reject_reason=body.string("reject_reason", pattern=REASON_NAME),
            comment=body.string("comment", max_length=MAX_COMMENT_LENGTH, required=False) or "",
        ))

    # -- the checks every call goes through -----------------------------------

    async def _serve(self, request: Request, action) -> JSONResponse:
        try:
            self._check_origin(request)
            claims = self._verify_token(request.headers.get(TOKEN_HEADER))
            body = Body(await read_json_object(request))
            # The store is synchronous SQLite: keep it off the event loop.
            data = await run_in_threadpool(
                self._authorize_and_run, claims, body, action, request.path_params
            )
        except PlatformError as error:
            return tiktok_reply(error.status, error.code, error.message)
        return tiktok_reply(200, 0, "success", data)

    def _check_origin(self, request: Request) -> None:
        # Browsers send Origin on every cross-origin request and every POST, so a
        # missing one means the caller is not a page we could vouch for.
        if not page_origin_allowed(request, self.extra_origins):
            raise PlatformError.of(
                errors.WIDGET_DOMAIN_NOT_MATCH,
                f"{request.headers.get('origin', 'no Origin header')!r} is not on the allowlist",
            )

    def _verify_token(self, token: str | None) -> TokenClaims:
        if not token:
            raise PlatformError.of(errors.TOKEN_INVALID, f"no {TOKEN_HEADER} header")
        if len(token) > MAX_TOKEN_LENGTH:
            raise PlatformError.of(errors.TOKEN_INVALID)
        try:
            return self.signer.verify(token)
        except TokenExpired:
            raise PlatformError.of(errors.TOKEN_EXPIRED) from None
        except TokenInvalid:
            raise PlatformError.of(errors.TOKEN_INVALID) from None

    def _authorize_and_run(self, claims: TokenClaims, body: "Body", action, path_params):
        app_key = body.string("app_key", pattern=APP_KEY)
        shop_id = body.string("shop_id", pattern=NUMERIC_ID)
        oec_region = body.string("oec_region", pattern=REGION)
        if app_key != self.app_key:
            raise PlatformError.of(errors.INVALID_CLIENT_KEY, f"app_key {app_key!r}")
        if claims.app_key != app_key:
            raise PlatformError.of(errors.APP_KEY_NOT_MATCH)
        if claims.shop_id != shop_id:
            raise PlatformError.of(errors.TOKEN_SHOP_NOT_MATCH)
        shop = self.store.get_shop(shop_id)
        if shop is None:
            raise PlatformError(404, errors.SHOP_NOT_FOUND,
                                f"shop {shop_id} is not registered with the sandbox")
        if shop.region != oec_region:
            raise PlatformError.of(
                errors.TRAFFIC_INVALID,
                f"shop {shop_id} is in region {shop.region}, not {oec_region}",
            )
        with errors.store_refusals():
            return action(shop, body, path_params)


def _return_id(path_params: dict) -> str:
    return_id = path_params["return_id"]
    if not NUMERIC_ID.match(return_id):
        raise invalid("return_id must be a numeric id")
    return return_id




def page_origin_allowed(request: Request, extra_origins: frozenset[str]) -> bool:
    """Whether the page that sent ``request`` (its Origin) is on the origin the
    sandbox was reached under, or on one of ``extra_origins``.

    Browsers spell Origin one way (lower case, no default port); the request's
    own origin is brought to that spelling. No Origin, "null" or anything that
    is no http(s) origin is refused.
    """
    url = request.url
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    if default_port is None or not url.hostname:
        return False
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    port = "" if url.port in (None, default_port) else f":{url.port}"
    own = f"{url.scheme}://{host.lower()}{port}"
    return request.headers.get("origin") in {own, *extra_origins}
