"""The development server's app factory.

    from devserver.app import create_app
    from devserver.settings import Settings

    app = create_app(Settings(port=8000))   # an ASGI app; serve.py runs it under uvicorn

One Starlette app serves four things, each from its own module:
the site (``site``), its jsDelivr mirror (``cdn_mirror``), the ISV's token
endpoint (``token_endpoint``) and the sandbox that stands in for TikTok's widget
platform (``sandbox``). Sellers' sessions (``sessions``) are the cookie the token
endpoint checks; the sandbox signs visitors in to its shops (``sandbox_sign_in``).
"""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse

from . import cdn_mirror, media_types, sandbox_sign_in, site, token_endpoint
from .sandbox import ReturnsStore, sandbox_routes
from .sessions import load_or_create_session_secret, session_middleware
from .settings import Settings
from .tokens import TokenSigner, load_or_create_secret


def create_app(settings: Settings) -> Starlette:
    media_types.register()
    mirror = cdn_mirror.CdnMirror(settings.node_modules, settings.pyodide_packages)
    mirror.check_pins(site.pinned_cdn_urls(settings.site_root))

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = ReturnsStore(settings.db_path)
    if settings.reset:
        store.reset()
    store.seed_if_empty()
    token_secret = load_or_create_secret(settings.secret_path)
    session_secret = load_or_create_session_secret(settings.session_secret_path, token_secret)
    signer = TokenSigner(token_secret, settings.app_key, settings.token_ttl)

    routes = [
        *token_endpoint.routes(signer, settings),
        *sandbox_sign_in.routes(store),
        *sandbox_routes(store, signer, settings),
        *mirror.routes(),
        *site.routes(settings.site_root, mirror if settings.cdn == "mirror" else None,
                     settings.app_dir),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ClientDisconnect: client_went_away},
        # The mirror compresses its immutable files once and caches them; the
        # middleware skips those responses (they carry a Content-Encoding).
        middleware=[
            Middleware(GZipMiddleware),
            session_middleware(session_secret, settings),
            *sandbox_sign_in.middleware(store, settings.site_root),
        ],
    )
    app.state.settings = settings
    app.state.store = store
    app.state.signer = signer
    return app


def client_went_away(request: Request, exc: ClientDisconnect) -> PlainTextResponse:
    """A client closed its connection while sending its request: nobody will read
    the reply, and it is no server error (uvicorn would log it as one, traceback and all)."""
    return PlainTextResponse("the request was not received in full", 400)
