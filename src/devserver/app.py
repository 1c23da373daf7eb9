"""The development server's app factory.

    from devserver.app import create_app
    from devserver.settings import Settings

    app = create_app(Settings(port=8000))   # an ASGI app; serve.py runs it under uvicorn

One Starlette app serves four things, each from its own module:
the site (``site``), its jsDelivr mirror (``cdn_mirror``), the ISV's token
endpoint (``token_endpoint``) and the sandbox that stands in for TikTok's widget
platform (``sandbox``).
"""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from . import cdn_mirror, media_types, site, token_endpoint
from .sandbox import ReturnsStore, sandbox_routes
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
    signer = TokenSigner(
        load_or_create_secret(settings.secret_path), settings.app_key, settings.token_ttl
    )

    routes = [
        *token_endpoint.routes(store, signer),
        *sandbox_routes(store, signer, settings),
        *mirror.routes(),
        *site.routes(settings.site_root, mirror if settings.cdn == "mirror" else None),
    ]
    app = Starlette(
        routes=routes,
        # The mirror compresses its immutable files once and caches them; the
        # middleware skips those responses (they carry a Content-Encoding).
        middleware=[Middleware(GZipMiddleware)],
    )
    app.state.settings = settings
    app.state.store = store
    app.state.signer = signer
    return app
