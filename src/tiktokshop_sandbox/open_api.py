"""TikTok's Open API host, as the sandbox answers it (open-api.md).

    GET  <sandbox>/open-api/authorization/202309/shops?app_key=&timestamp=&sign=
    POST <sandbox>/open-api/return_refund/202309/returns/search?shop_cipher=&page_size=&...
    POST <sandbox>/open-api/return_refund/202309/returns/{return_id}/approve?shop_cipher=...
    POST <sandbox>/open-api/return_refund/202309/returns/{return_id}/reject?shop_cipher=...
    GET  <sandbox>/open-api/return_refund/202309/reject_reasons?return_or_cancel_id=&...
    POST <sandbox>/open-api/widget/202309/access_token?shop_cipher=...  {"partner_type": 1}
    GET    <sandbox>/open-api/event/202309/webhooks?shop_cipher=...
           -> {"webhooks": [{event_type, address, create_time, update_time}], "total_count"}
    PUT    <sandbox>/open-api/event/202309/webhooks?shop_cipher=...
           {"address": "https://...", "event_type": "RETURN_STATUS_CHANGE"}  -> {}
    DELETE <sandbox>/open-api/event/202309/webhooks?shop_cipher=...
           {"event_type": "RETURN_STATUS_CHANGE"}  -> {} (also when there was none)
    header x-tts-access-token: <the seller's access token>

Every call goes through, in this order: ``app_key`` registered in the sandbox
(UNKNOWN_APP), ``sign`` = HMAC of this very request with the app secret over
the path inside this mount (INVALID_SIGN), ``timestamp`` within
``settings.timestamp_window`` of the sandbox clock (TIMESTAMP_OUT_OF_WINDOW),
the access token (ACCESS_TOKEN_INVALID / ACCESS_TOKEN_EXPIRED), and, for
shop-scoped calls, ``shop_cipher`` naming a shop the token's seller authorized
for this app (SHOP_NOT_AUTHORIZED). Then the endpoint's own parameters (400).
Codes and statuses: ``errors``. Replies: ``{"code", "message", "request_id", "data"}``.

The Event API subscribes the shop to an event type at an address (https, or
plain http to this machine: open-api.md's development allowance), one address
per shop and type, replaced by a later PUT; ``events`` says which events the
sandbox sends and when (webhooks.py sends them).

The widget-token call is the sandbox's own (TikTok gives its path only to apps
enrolled in widgets): ``WIDGET_TOKEN_PATH``, a token the widget's API accepts.
The Return API decides the same SQLite rows the widget does: a return already
decided there (or here) is RETURN_NOT_PENDING (409), never decided twice.
"""

import hmac
import uuid
from collections import Counter
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from tiktokshop_protocol import (
    ACCESS_TOKEN_HEADER,
    REJECT_REASONS_PATH,
    RETURN_APPROVE_PATH,
    RETURN_REJECT_PATH,
    RETURNS_SEARCH_PATH,
    SHOPS_PATH,
    WEBHOOK_EVENT_TYPES,
    WEBHOOKS_PATH,
    sign,
)

from . import errors, model
from .authorizations import Authorizations, Grant
from .errors import PlatformError
from .events import MAX_ADDRESS_LENGTH, BadAddress, Events
from .faults import Faults, InjectFaults
from .inputs import (
    NUMERIC_ID,
    Body,
    decode_page_token,
    encode_page_token,
    invalid,
    json_object,
    read_body,
)
from .replies import tiktok_reply
from .settings import SandboxSettings
from .store import SORT_FIELDS, DecisionRequest, ReturnsStore
from .widget_tokens import TokenSigner

OPEN_API_MOUNT = "/open-api"
WIDGET_TOKEN_PATH = "/widget/202309/access_token"
PARTNER_TYPES = (1,)
SORT_ORDERS = ("ASC", "DESC")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_LIST_ITEMS = 50
MAX_COMMENT_LENGTH = 500
TIME_FILTERS = {"create_time_ge": ("create_time", ">="), "create_time_lt": ("create_time", "<"),
                "update_time_ge": ("update_time", ">="), "update_time_lt": ("update_time", "<")}
MAX_UNIX_TIME = 2**40


def routes(store: ReturnsStore, auths: Authorizations, signer: TokenSigner,
           settings: SandboxSettings, clock, faults: Faults, events: Events,
           calls: Counter) -> list:
    api = OpenApi(store, auths, signer, settings, clock, events, calls)
    return [Mount(
        OPEN_API_MOUNT,
        routes=[
            Route(SHOPS_PATH, api.endpoint(api.shops, shop_scoped=False), methods=["GET"]),
            Route(RETURNS_SEARCH_PATH, api.endpoint(api.search_returns), methods=["POST"]),
            Route(RETURN_APPROVE_PATH, api.endpoint(api.approve), methods=["POST"]),
            Route(RETURN_REJECT_PATH, api.endpoint(api.reject), methods=["POST"]),
            Route(REJECT_REASONS_PATH, api.endpoint(api.reject_reasons), methods=["GET"]),
            Route(WIDGET_TOKEN_PATH, api.endpoint(api.widget_token), methods=["POST"]),
            Route(WEBHOOKS_PATH, api.endpoint(api.webhooks), methods=["GET"]),
            Route(WEBHOOKS_PATH, api.endpoint(api.subscribe), methods=["PUT"]),
            Route(WEBHOOKS_PATH, api.endpoint(api.unsubscribe), methods=["DELETE"]),
        ],
        middleware=[Middleware(InjectFaults, faults=faults, target="open_api")],
        name="open_api",
    )]


@dataclass(frozen=True)
class Call:
    """One checked Open API call: who (grant), for which shop, with what input."""

    grant: Grant
    shop: model.Shop | None  # None for calls that are not shop-scoped
    query: QueryParams
    body: Body
    path_params: dict


class OpenApi:
    def __init__(self, store: ReturnsStore, auths: Authorizations, signer: TokenSigner,
                 settings: SandboxSettings, clock, events: Events, calls: Counter):
        self.events = events
        # Every call received, refused or not, by "METHOD <path template>": what TikTok
        # would count against the app (the controls show it).
        self.calls = calls
        self.store = store
        self.auths = auths
        self.signer = signer
        self.settings = settings
        self.clock = clock

    def endpoint(self, action, shop_scoped: bool = True):
        async def serve(request: Request) -> JSONResponse:
            self.calls[f"{request.method} {request.scope['route'].path}"] += 1
            try:
                raw_body = await read_body(request)
                self._check_signature(request, raw_body)
                # An empty body is {}: the shops call and filterless searches send none.
                body = Body(json_object(raw_body) if raw_body.strip() else {})
                # SQLite is synchronous: keep it off the event loop.
                data = await run_in_threadpool(self._authorize_and_run, request, body,
                                               action, shop_scoped)
            except PlatformError as error:
                return tiktok_reply(error.status, error.code, error.message)
            return tiktok_reply(200, 0, "Success", data)
        return serve

    # -- the checks every call goes through -----------------------------------

    def _check_signature(self, request: Request, raw_body: bytes) -> None:
        names = [name for name, _ in request.query_params.multi_items()]
        if len(names) != len(set(names)):
            raise invalid("each query parameter may be given once")
        query = dict(request.query_params)
        if query.get("app_key") != self.settings.app_key:
            raise PlatformError.of(errors.UNKNOWN_APP,
                                   f"app_key {query.get('app_key', '')[:64]!r}")
        expected = sign(self.settings.app_secret, _path_inside_mount(request), query, raw_body)
        if not hmac.compare_digest(query.get("sign", "").encode(), expected.encode()):
            raise PlatformError.of(errors.INVALID_SIGN, "sign is missing or does not match "
                                   "this request (path, parameters and body)")
        timestamp = query.get("timestamp", "")
        now = self.clock.now()
        if not (timestamp.isdecimal() and len(timestamp) <= 12
                and abs(int(timestamp) - now) <= self.settings.timestamp_window):
            raise PlatformError.of(
                errors.TIMESTAMP_OUT_OF_WINDOW,
                f"timestamp must be unix seconds within {self.settings.timestamp_window} s "
                f"of the server's clock (now {int(now)})")

    def _authorize_and_run(self, request: Request, body: Body, action, shop_scoped: bool):
        grant = self.auths.check_access_token(request.headers.get(ACCESS_TOKEN_HEADER))
        shop = None
        if shop_scoped:
            cipher = request.query_params.get("shop_cipher", "")
            shop = self.store.shop_by_cipher(cipher) if cipher else None
            if shop is None or shop.shop_id not in grant.shop_ids:
                raise PlatformError.of(errors.SHOP_NOT_AUTHORIZED,
                                       f"shop_cipher {cipher[:64]!r}")
        call = Call(grant, shop, request.query_params, body, request.path_params)
        with errors.store_refusals():
            return action(call)

    # -- endpoints -------------------------------------------------------------

    def shops(self, call: Call) -> dict:
        shops = [shop for shop in self.store.shops() if shop.shop_id in call.grant.shop_ids]
        return {"shops": [{
            "id": shop.shop_id,
            "name": shop.name,
            "region": shop.region,
            "cipher": shop.cipher,
            "code": f"SBX{shop.region}{shop.shop_id[-4:]}",
            "seller_type": "LOCAL",
        } for shop in shops]}

    def search_returns(self, call: Call) -> dict:
        body, query = call.body, call.query
        sort_field = _query_choice(query, "sort_field", SORT_FIELDS, "create_time")
        sort_order = _query_choice(query, "sort_order", SORT_ORDERS, "DESC")
        page = self.store.search_returns(
            call.shop.shop_id,
            statuses=body.string_list("return_status", allowed=model.RETURN_STATUSES,
                                      max_items=len(model.RETURN_STATUSES)),
            return_ids=body.string_list("return_ids", pattern=NUMERIC_ID,
                                        max_items=MAX_LIST_ITEMS),
            page_size=_query_int(query, "page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
            after=decode_page_token(query.get("page_token")),
            return_types=body.string_list("return_types", allowed=model.RETURN_TYPES,
                                          max_items=len(model.RETURN_TYPES)),
            order_ids=body.string_list("order_ids", pattern=NUMERIC_ID, max_items=MAX_LIST_ITEMS),
            time_bounds=[(column, operator, value)
                         for name, (column, operator) in TIME_FILTERS.items()
                         if (value := body.integer(name, 0, MAX_UNIX_TIME, None)) is not None],
            sort_field=sort_field,
            ascending=sort_order == "ASC",
        )
        return {
            "return_orders": page.return_orders,
            "total_count": page.total_count,
            "next_page_token": encode_page_token(page.next_cursor),
        }

    def approve(self, call: Call) -> dict:
        return self.store.decide(call.shop.shop_id, DecisionRequest(
            return_id=_return_id(call),
            decision=call.body.choice("decision", model.APPROVE_DECISIONS),
            idempotency_key=_idempotency_key(call.body),
        ))

    def reject(self, call: Call) -> dict:
        body = call.body
        return self.store.decide(call.shop.shop_id, DecisionRequest(
            return_id=_return_id(call),
            decision=body.choice("decision", model.REJECT_DECISIONS),
            idempotency_key=_idempotency_key(body),
            reject_reason=body.string("reject_reason", max_length=100),
            comment=body.string("comment", max_length=MAX_COMMENT_LENGTH, required=False) or "",
        ))

    def reject_reasons(self, call: Call) -> dict:
        return_id = call.query.get("return_or_cancel_id", "")
        if not NUMERIC_ID.match(return_id):
            raise invalid("return_or_cancel_id must be a numeric return id")
        reasons = self.store.reject_reasons(call.shop.shop_id, return_id)
        return {"reasons": [{"name": r.name, "text": r.text} for r in reasons]}

    def widget_token(self, call: Call) -> dict:
        if call.body.data.get("partner_type") not in PARTNER_TYPES:
            raise invalid("partner_type must be 1")
        issued = self.signer.issue(call.shop.shop_id)
        return {"token": issued.token, "expire_at": issued.expire_at}


    def webhooks(self, call: Call) -> dict:
        with self.store.reading() as db:
            webhooks = self.events.subscriptions(db, call.shop.shop_id)
        return {"webhooks": webhooks, "total_count": len(webhooks)}

    def subscribe(self, call: Call) -> dict:
        event_name = call.body.choice("event_type", tuple(WEBHOOK_EVENT_TYPES))
        address = call.body.string("address", max_length=MAX_ADDRESS_LENGTH)
        with self.store.writing() as db:
            try:
                self.events.subscribe(db, call.shop.shop_id, event_name, address)
            except BadAddress as exc:
                raise invalid(str(exc)) from None
        return {}

    def unsubscribe(self, call: Call) -> dict:
        event_name = call.body.choice("event_type", tuple(WEBHOOK_EVENT_TYPES))
        with self.store.writing() as db:
            self.events.unsubscribe(db, call.shop.shop_id, event_name)
        return {}


def _path_inside_mount(request: Request) -> str:
    """The API path the client signed: the request path below this mount's prefix
    (scope path minus root_path), whatever prefix the sandbox is served under."""
    path, root = request.scope["path"], request.scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _query_choice(query, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = query.get(name) or default
    if value not in allowed:
        raise invalid(f"{name} must be one of {', '.join(allowed)}")
    return value


def _query_int(query, name: str, minimum: int, maximum: int, default: int) -> int:
    value = query.get(name)
    if value is None or value == "":
        return default
    if not (value.isdecimal() and len(value) <= 6 and minimum <= int(value) <= maximum):
        raise invalid(f"{name} must be a whole number from {minimum} to {maximum}")
    return int(value)


def _return_id(call: Call) -> str:
    return_id = call.path_params["return_id"]
    if not NUMERIC_ID.match(return_id):
        raise invalid("return_id must be a numeric id")
    return return_id


def _idempotency_key(body: Body) -> str:
    """The caller's key, else a fresh one: a call without a key is a decision of its
    own, which the store refuses on a return already decided."""
    return body.string("idempotency_key", max_length=64, required=False) or uuid.uuid4().hex
