"""TikTok's authorization: the authorize page and the auth host's token calls.

    GET  <sandbox>/services/open/authorize?service_id=<id>&state=<state>   the seller's page
    GET  <sandbox>/auth/oauth/authorize?app_key=<key>&state=<state>        older apps' link,
         the same page
    POST <sandbox>/services/open/authorize   (form: service_id, state, shop_id...)
         -> 302 <registered redirect>?code=<auth code>&state=<state>
    GET  <sandbox>/auth/api/v2/token/get?app_key=&app_secret=&auth_code=&grant_type=authorized_code
    GET  <sandbox>/auth/api/v2/token/refresh?app_key=&app_secret=&refresh_token=&grant_type=refresh_token
    -> {"code": 0, "message": "success", "request_id": "...", "data": {"access_token",
        "access_token_expire_in", "refresh_token", "refresh_token_expire_in", "open_id",
        "seller_name", "seller_base_region", "user_type", "granted_scopes"}}

The ``*_expire_in`` fields are absolute unix seconds, as TikTok's are. The
authorize page stands for TikTok's: the sandbox's one seller (``seed.DEMO_SELLER``)
is signed in and picks shops; the code goes only to the app's registered
redirect URL, with the ``state`` the link carried, byte for byte (open-api.md
gives it back unchanged). A state longer than MAX_STATE_BYTES (UTF-8) is
refused on the page with a message saying so, never cut: a cut state would
come back as one the app never issued. ``authorize_redirect`` is what
clicking Authorize does, shared with ``POST /control/authorize``. Errors of
the auth host: UNKNOWN_APP (app key or secret), AUTH_CODE_INVALID,
REFRESH_TOKEN_INVALID (all 401), 400 for a
wrong grant_type.
"""

import hmac
from collections.abc import Sequence
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from tiktokshop_protocol import TOKEN_GET_PATH, TOKEN_REFRESH_PATH

from . import errors
from .authorizations import Authorizations, IssuedTokens
from .errors import PlatformError
from .faults import Faults, InjectFaults
from .inputs import read_body
from .pages import html_page, text
from .replies import tiktok_reply
from .seed import DEMO_SELLER
from .settings import SandboxSettings
from .store import ReturnsStore

AUTH_MOUNT = "/auth"
AUTHORIZE_PATH = "/services/open/authorize"
GRANTED_SCOPES = ("seller.authorization.info", "seller.return_refund.basic",
                  "seller.return_refund.write", "seller.widget")
# Generous for any CSRF token or encoded return path, and small enough that the
# redirect URL (percent-encoded, so up to 3x longer) stays within what servers read.
MAX_STATE_BYTES = 2048
LEGACY_AUTHORIZE_PATH = "/oauth/authorize"  # on the auth host: older apps' link


def routes(store: ReturnsStore, auths: Authorizations, settings: SandboxSettings,
           faults: Faults) -> list:
    host = AuthHost(auths, settings)
    page = AuthorizePage(store, auths, settings)
    return [
        # Before the auth Mount, which would take its path, and outside it: a fault
        # injected into the token calls is not the page's.
        Route(AUTH_MOUNT + LEGACY_AUTHORIZE_PATH, page.show_legacy, methods=["GET"]),
        Mount(AUTH_MOUNT, routes=[
            Route(TOKEN_GET_PATH, host.token_get, methods=["GET"]),
            Route(TOKEN_REFRESH_PATH, host.token_refresh, methods=["GET"]),
        ], middleware=[Middleware(InjectFaults, faults=faults, target="auth")], name="auth"),
        Route(AUTHORIZE_PATH, page.show, methods=["GET"], name="authorize"),
        Route(AUTHORIZE_PATH, page.authorize, methods=["POST"]),
    ]


def authorize_redirect(store: ReturnsStore, auths: Authorizations, settings: SandboxSettings,
                       shop_ids: Sequence[str], state: str) -> str:
    """Grant the app ``shop_ids`` for the sandbox seller; the registered redirect URL
    with ``code`` and ``state``. PlatformError (400) for no shop or a shop not the seller's."""
    if not shop_ids:
        raise PlatformError(400, errors.INVALID_PARAMETER, "pick at least one shop")
    own = {shop.shop_id for shop in store.shops()}
    unknown = [shop_id for shop_id in shop_ids if shop_id not in own]
    if unknown:
        raise PlatformError(400, errors.INVALID_PARAMETER,
                            f"{unknown[0][:40]!r} is not a shop of {DEMO_SELLER.name}")
    if problem := state_problem(state):
        raise PlatformError(400, errors.INVALID_PARAMETER, problem)
    code = auths.grant(DEMO_SELLER.open_id, shop_ids)
    return str(URL(settings.redirect_url).include_query_params(code=code, state=state))


def state_problem(state: str) -> str:
    """Why ``state`` cannot go back to the app whole, or "" when it can."""
    size = len(state.encode("utf-8", "surrogatepass"))
    if size > MAX_STATE_BYTES:
        return (f"state is {size} bytes long; TikTok Shop's sandbox takes at most "
                f"{MAX_STATE_BYTES} (UTF-8) and gives it back unchanged: shorten it")
    return ""


class AuthHost:
    def __init__(self, auths: Authorizations, settings: SandboxSettings):
        self.auths = auths
        self.settings = settings

    async def token_get(self, request: Request) -> Response:
        return await self._serve(request, "authorized_code", "auth_code", self.auths.exchange_code)

    async def token_refresh(self, request: Request) -> Response:
        return await self._serve(request, "refresh_token", "refresh_token", self.auths.refresh)

    async def _serve(self, request: Request, grant_type: str, credential: str, exchange):
        query = request.query_params
        try:
            self._check_app(query.get("app_key", ""), query.get("app_secret", ""))
            if query.get("grant_type") != grant_type:
                raise PlatformError(400, errors.INVALID_PARAMETER,
                                    f"grant_type must be {grant_type}")
            issued = await run_in_threadpool(exchange, query.get(credential, ""))
        except PlatformError as error:
            return tiktok_reply(error.status, error.code, error.message)
        return tiktok_reply(200, 0, "success", self._token_data(issued))

    def _check_app(self, app_key: str, app_secret: str) -> None:
        known = hmac.compare_digest(app_key.encode(), self.settings.app_key.encode())
        secret_ok = hmac.compare_digest(app_secret.encode(), self.settings.app_secret.encode())
        if not (known and secret_ok):
            raise PlatformError.of(errors.UNKNOWN_APP)

    @staticmethod
    def _token_data(issued: IssuedTokens) -> dict:
        return {
            "access_token": issued.access_token,
            "access_token_expire_in": issued.access_token_expire_in,
            "refresh_token": issued.refresh_token,
            "refresh_token_expire_in": issued.refresh_token_expire_in,
            "open_id": issued.open_id,
            "seller_name": DEMO_SELLER.name,
            "seller_base_region": DEMO_SELLER.base_region,
            "user_type": 0,
            "granted_scopes": list(GRANTED_SCOPES),
        }


class AuthorizePage:
    def __init__(self, store: ReturnsStore, auths: Authorizations, settings: SandboxSettings):
        self.store = store
        self.auths = auths
        self.settings = settings

    def show(self, request: Request) -> Response:  # sync: SQLite, in the threadpool
        query = request.query_params
        return self._page(query.get("service_id", ""), query.get("state", ""), picked=())

    def show_legacy(self, request: Request) -> Response:
        """Older apps' link names the app by its key: the same page, posting where the
        newer link's page posts."""
        query = request.query_params
        app_key = query.get("app_key", "")
        if app_key != self.settings.app_key:
            return html_page("Unknown app", "<h1>This app is not registered</h1>"
                             f"<p class=error>No app has the app key {text(app_key[:64])!s}."
                             " Check the authorization link.</p>", 400)
        return self._page(self.settings.service_id, query.get("state", ""), picked=(),
                          action=str(request.url_for("authorize").path))

    async def authorize(self, request: Request) -> Response:
        try:
            form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
        except PlatformError as error:
            return html_page("Authorization failed", f"<p class=error>{text(error.message)}</p>",
                             error.status)
        service_id = form.get("service_id", [""])[0]
        state = form.get("state", [""])[0]
        shop_ids = form.get("shop_id", [])
        if service_id != self.settings.service_id:
            return await run_in_threadpool(self._page, service_id, state, shop_ids)
        try:
            redirect = await run_in_threadpool(authorize_redirect, self.store, self.auths,
                                               self.settings, shop_ids, state)
        except PlatformError as error:
            return await run_in_threadpool(self._page, service_id, state, shop_ids,
                                           error.message)
        return RedirectResponse(redirect, 302, headers={"cache-control": "no-store"})

    def _page(self, service_id: str, state: str, picked, problem: str = "",
              action: str = "") -> Response:
        if service_id != self.settings.service_id:
            return html_page("Unknown app", "<h1>This app is not registered</h1>"
                             f"<p class=error>No app has the service id {text(service_id[:64])!s}."
                             " Check the authorization link.</p>", 400)
        if too_long := state_problem(state):
            return html_page("Authorization failed", "<h1>This authorization link is not valid</h1>"
                             f"<p class=error role=alert>{text(too_long)}.</p>", 400)
        boxes = "".join(
            f'<label><input type="checkbox" name="shop_id" value="{text(shop.shop_id)}"'
            f'{" checked" if shop.shop_id in picked else ""}> {text(shop.name)} '
            f"({text(shop.region)})</label>"
            for shop in self.store.shops()
        )
        error = (f'<p class=error role="alert" id="problem">{text(problem)}</p>'
                 if problem else "")
        # Posted back where it was served, unless told otherwise (the older link's page).
        form_action = f' action="{text(action)}"' if action else ""
        body = (
            "<h1>Authorize the app to manage your shops</h1>"
            f"<p>Signed in as <strong>{text(DEMO_SELLER.name)}</strong> "
            "(TikTok Shop sandbox). The app will see and answer the return and refund "
            "requests of the shops you pick.</p>"
            f"{error}"
            f'<form method="post"{form_action}>'
            f'<input type="hidden" name="service_id" value="{text(service_id)}">'
            f'<input type="hidden" name="state" value="{text(state)}">'
            f'<fieldset{" aria-describedby=problem" if problem else ""}>'
            f"<legend>Shops to authorize</legend>{boxes}</fieldset>"
            '<button type="submit">Authorize</button></form>'
        )
        return html_page("Authorize app - TikTok Shop sandbox", body, 400 if problem else 200)
