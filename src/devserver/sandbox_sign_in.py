"""The sandbox's seller sign-in: every visitor of serve.py is a seller of a sandbox shop.

    GET /                         a new visitor is signed in to the demo shop
    GET /sandbox/session?shop_id=7495610000000000002&next=/examples/native.html
    -> 303 to /examples/native.html, signed in to shop 7495610000000000002
    GET /sandbox/session?shop_id=7495610000000000002
    -> 200 {"code": 0, "message": "signed in", "data": {"shop_id": "7495610000000000002"}}

The demo shop is the page's own: ``[tiktok_widgets] shop_id`` of the site's
pyscript.toml, read here rather than repeated. Loading any page of the site
(``/``, ``/index.html``, ``/examples/*.html``) signs a visitor who has no
session in to it, so the demo needs no sign-in step; ``/sandbox/session``
switches to another sandbox shop. Only shops the sandbox knows are accepted,
and ``next`` must be a path on this server.

This stands in for a real backend's login (TikTok Shop's seller OAuth, say):
it signs anyone in on a GET, which only a sandbox may do.
"""

import logging
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tiktokshop_sandbox import ReturnsStore

from .replies import json_reply
from .sessions import current_seller, sign_in
from .token_endpoint import INVALID_PARAMETER, SHOP_ID, SHOP_NOT_FOUND

SIGN_IN_PATH = "/sandbox/session"
MAX_NEXT_LENGTH = 2048
SITE_CONFIG = "pyscript.toml"

logger = logging.getLogger(__name__)


def demo_shop_id(site_root: Path) -> str | None:
    """``[tiktok_widgets] shop_id`` of the site's pyscript.toml, if it names one."""
    try:
        config = tomllib.loads((site_root / SITE_CONFIG).read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    shop_id = config.get("tiktok_widgets", {}).get("shop_id")
    return shop_id if isinstance(shop_id, str) else None


def middleware(store: ReturnsStore, site_root: Path) -> list[Middleware]:
    """Signing in on page loads, when the site's demo shop is a sandbox shop."""
    shop_id = demo_shop_id(site_root)
    if shop_id is None or store.get_shop(shop_id) is None:
        logger.warning("%s names no sandbox shop: page loads sign nobody in",
                       site_root / SITE_CONFIG)
        return []
    return [Middleware(SignInOnPageLoad, shop_id=shop_id)]


def routes(store: ReturnsStore) -> list:
    def switch_shop(request: Request) -> JSONResponse | RedirectResponse:  # sync: SQLite
        shop_id = request.query_params.get("shop_id", "")
        next_path = request.query_params.get("next")
        if not SHOP_ID.match(shop_id):
            return json_reply(400, INVALID_PARAMETER, "shop_id must be a numeric shop id")
        if next_path is not None and not is_local_path(next_path):
            return json_reply(400, INVALID_PARAMETER, "next must be a path on this server, like /")
        if store.get_shop(shop_id) is None:
            return json_reply(404, SHOP_NOT_FOUND, f"shop {shop_id} is not a sandbox shop")
        sign_in(request.session, shop_id)
        if next_path is None:
            return json_reply(200, 0, "signed in", {"shop_id": shop_id})
        return RedirectResponse(next_path, 303, headers={"cache-control": "no-store"})

    return [Route(SIGN_IN_PATH, switch_shop, name="sandbox_sign_in")]


def is_local_path(url: str) -> bool:
    """Whether a browser sent to ``url`` stays on this server.

    Browsers read ``//host`` and ``/\\host`` as other hosts and drop tabs and
    newlines before parsing, so none of those pass.
    """
    if len(url) > MAX_NEXT_LENGTH or not url.startswith("/") or url.startswith("//"):
        return False
    if "\\" in url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


class SignInOnPageLoad:
    """Sign a visitor with no session in to the demo shop when a site page is served."""

    def __init__(self, app: ASGIApp, shop_id: str):
        self.app = app
        self.shop_id = shop_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_page_request(scope):
            await self.app(scope, receive, send)
            return

        async def send_signing_in(message: Message) -> None:
            # Before the response starts, while the session can still set its cookie;
            # only for a page that was found (304: the browser still has it).
            if (message["type"] == "http.response.start" and message["status"] in (200, 304)
                    and current_seller(scope["session"]) is None):
                sign_in(scope["session"], self.shop_id)
            await send(message)

        await self.app(scope, receive, send_signing_in)


def _is_page_request(scope: Scope) -> bool:
    path = scope.get("path", "")
    return (scope["type"] == "http" and scope["method"] == "GET"
            and (path.endswith("/") or path.endswith(".html")))
