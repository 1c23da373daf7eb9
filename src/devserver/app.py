"""The development server's app factory: it only composes.

    from devserver.app import create_app
    from devserver.settings import Settings

    app = create_app(Settings(port=8000))   # an ASGI app; serve.py runs it under uvicorn

One Starlette app serves four things, each its own package or module, each
configured by its own settings (composed in ``settings``): the site
(``site``), its jsDelivr mirror (``cdn_mirror``), the ISV backend
(``tiktokshop_backend``, at the site root: /api/v1/*, /auth/tiktok/*, /webhooks/*) and, mounted
at ``/sandbox``, the sandbox that stands in for TikTok (``tiktokshop_sandbox``).
The backend and the sandbox share one clock.

The backend reaches the sandbox at ``<origin>/sandbox/...`` as it would reach
TikTok, through an httpx transport that hands those requests to this app
in-process: so it works before uvicorn listens and under a TestClient alike.
At first start (no seller in the backend's store) the demo seller is connected
to two sandbox shops the way a seller does it, through the sandbox's authorize
step (``/control/authorize``) and the backend's own OAuth callback; and in the
demo every browser is that seller unless its session names another.
"""

import logging
import os
from contextlib import asynccontextmanager

import httpx2 as httpx
import tiktokshop_backend
import tiktokshop_sandbox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from . import cdn_mirror, media_types, site
from .settings import SANDBOX_MOUNT, TOKEN_SECRET_ENV, Settings, backend_settings, sandbox_settings

# The shops the demo seller is connected to at first start.
DEMO_SHOPS = ("7495610000000000001", "7495610000000000002")
DEMO_SELLER = tiktokshop_sandbox.DEMO_SELLER.open_id
# The backend's paths at the site root; everything else is the sandbox's or the site's.
BACKEND_PREFIXES = ("/api/v1/", "/auth/tiktok/", "/webhooks/")

logger = logging.getLogger("devserver")


def create_app(settings: Settings, clock=None) -> Starlette:
    media_types.register()
    mirror = cdn_mirror.CdnMirror(settings.node_modules, settings.pyodide_packages)
    mirror.check_pins(site.pinned_cdn_urls(settings.site_root))

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.reset:  # the sandbox forgets its grants: the backend its tokens
        settings.backend_db_path.unlink(missing_ok=True)
    # One clock for TikTok's side and ours: advancing it moves both.
    clock = tiktokshop_sandbox.Clock() if clock is None else clock
    token_secret = tiktokshop_sandbox.load_or_create_secret(settings.secret_path, os.environ,
                                                            TOKEN_SECRET_ENV)
    sandbox = tiktokshop_sandbox.create_app(sandbox_settings(settings, token_secret), clock)
    to_this_app = InProcess()
    backend = tiktokshop_backend.create_app(
        backend_settings(settings, token_secret), clock=clock, seller_hook=demo_seller,
        http=httpx.AsyncClient(transport=httpx.ASGITransport(app=to_this_app)))

    @asynccontextmanager
    async def lifespan(app):
        # A mounted app's lifespan never runs: the sandbox's webhook sender and the
        # backend's background work (token refresher, subscriptions check) start here.
        async with sandbox.state.webhooks.running():
            await connect_demo_seller(backend, to_this_app, settings.origin)
            await backend.state.backend.start()
            yield
            await backend.state.backend.aclose()

    app = Starlette(
        routes=[
            Mount(SANDBOX_MOUNT, app=sandbox),
            *mirror.routes(),
            *site.routes(settings.site_root, mirror if settings.cdn == "mirror" else None,
                         settings.app_dir),
        ],
        exception_handlers={ClientDisconnect: client_went_away},
        # The mirror compresses its immutable files once and caches them; the
        # middleware skips those responses (they carry a Content-Encoding).
        middleware=[Middleware(GZipMiddleware),
                    Middleware(BackendPaths, backend=backend, prefixes=BACKEND_PREFIXES)],
        lifespan=lifespan,
    )
    to_this_app.app = app
    app.state.settings = settings
    app.state.store = sandbox.state.store
    app.state.signer = sandbox.state.signer
    app.state.clock = clock
    app.state.backend = backend.state.backend
    return app


def demo_seller(request: Request) -> str:
    """The dev server's seller hook: the session's seller, else the demo seller."""
    return tiktokshop_backend.session_seller(request) or DEMO_SELLER


async def connect_demo_seller(backend: Starlette, to_this_app: ASGIApp, origin: str) -> None:
    """At first start, what the demo seller would click: Connect, then Authorize two shops."""
    services = backend.state.backend
    if await services.store.sellers():
        return
    transport = httpx.ASGITransport(app=to_this_app)
    async with httpx.AsyncClient(transport=transport, base_url=origin) as browser:
        start = await browser.get(tiktokshop_backend.START_PATH)
        state = httpx.URL(start.headers["location"]).params["state"]
        authorized = await browser.post(SANDBOX_MOUNT + "/control/authorize",
                                        json={"shop_ids": list(DEMO_SHOPS), "state": state})
        callback = await browser.get(authorized.json()["redirect_url"])
    if callback.status_code != 302:
        raise RuntimeError(f"connecting the demo seller failed: HTTP {callback.status_code}")
    logger.info("connected the demo seller to shops %s", ", ".join(DEMO_SHOPS))


class InProcess:
    """An ASGI app that is this dev server's app once made: the backend's way to its sandbox."""

    app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class BackendPaths:
    """The backend, mounted at the site root, for the paths under ``prefixes``; the
    site and the sandbox for every other path.

    The backend's paths sit next to the site's own files, and a Mount takes one
    prefix only: so requests are parted before routing."""

    def __init__(self, app: ASGIApp, backend: ASGIApp, prefixes: tuple[str, ...]):
        self.app = app
        self.backend = backend
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ours = scope["type"] == "http" and scope.get("path", "").startswith(self.prefixes)
        await (self.backend if ours else self.app)(scope, receive, send)


def client_went_away(request: Request, exc: ClientDisconnect) -> PlainTextResponse:
    """A client closed its connection while sending its request: nobody will read
    the reply, and it is no server error (uvicorn would log it as one, traceback and all)."""
    return PlainTextResponse("the request was not received in full", 400)
