"""The sandbox's app factory: TikTok's side, mountable under any prefix.

    from tiktokshop_sandbox import Clock, SandboxSettings, create_app

    sandbox = create_app(SandboxSettings(data_dir=Path(".data"), controls=True), clock=Clock())
    app = Starlette(routes=[Mount("/sandbox", app=sandbox)])

What it serves (paths below its mount): the widget platform (``platform``,
``widget_api``), TikTok's authorize page and auth host (``auth``), the Open
API host (``open_api``, the Event API included) and, when ``settings.controls``
is on, the control API and page (``controls``). Setup happens here, not in a
lifespan, since a mounted app's lifespan never runs: the SQLite store is
opened (seeded when empty, or reset first) and the widget-token secret loaded
or made. The lifespan runs the webhook sender (``webhooks``); a host that
mounts the sandbox runs it in its own lifespan:

    app = Starlette(routes=[Mount("/sandbox", app=sandbox)],
                    lifespan=sandbox.router.lifespan_context)
    # or, among other things: async with sandbox.state.webhooks.running(): ...

Without it the outbox only fills (in SQLite): it is sent once a sender runs.
"""

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse

from collections import Counter
from contextlib import asynccontextmanager

from . import auth, controls, errors, open_api, platform, widget_api
from .authorizations import Authorizations
from .clock import Clock
from .events import Events, check_address
from .faults import Faults
from .replies import tiktok_reply
from .settings import SandboxSettings
from .store import ReturnsStore
from .webhooks import WebhookSender
from .widget_tokens import TokenSigner, load_or_create_secret


def create_app(settings: SandboxSettings, clock=None) -> Starlette:
    clock = Clock() if clock is None else clock
    if settings.webhook_url is not None:
        check_address(settings.webhook_url)  # BadAddress (a ValueError) says why
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    events = Events(settings, clock)
    store = ReturnsStore(settings.db_path, clock, events)
    if settings.reset:
        store.reset()
    store.seed_if_empty()
    secret = settings.platform_secret or load_or_create_secret(settings.platform_secret_path)
    signer = TokenSigner(secret, settings.app_key, settings.widget_token_ttl, clock)
    auths = Authorizations(store, settings, clock)
    faults = Faults()
    calls = Counter()  # Open API calls received, by method and path template
    sender = WebhookSender(store, events, settings, clock)

    routes = [
        *platform.routes(),  # before the widget API: both live under /api
        *widget_api.routes(store, signer, settings),
        *auth.routes(store, auths, settings, faults),
        *open_api.routes(store, auths, signer, settings, clock, faults, events, calls),
    ]
    if settings.controls:
        routes += controls.routes(store, auths, settings, clock, faults, sender, calls)

    @asynccontextmanager
    async def lifespan(app):
        async with sender.running():
            yield

    app = Starlette(routes=routes, exception_handlers={ClientDisconnect: _client_went_away,
                                                       HTTPException: _no_such_api},
                    lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.signer = signer
    app.state.clock = clock
    app.state.authorizations = auths
    app.state.webhooks = sender
    return app


def _no_such_api(request: Request, exc: HTTPException) -> JSONResponse:
    """An unknown path or method answers as TikTok's APIs do, in JSON, not in plain text."""
    return tiktok_reply(exc.status_code, errors.NO_SUCH_API,
                        f"no {request.method} {request.url.path} here", headers=exc.headers)


def _client_went_away(request: Request, exc: ClientDisconnect) -> PlainTextResponse:
    """A client closed its connection mid-request: nobody reads the reply, and it is
    no server error (uvicorn would log it as one, traceback and all)."""
    return PlainTextResponse("the request was not received in full", 400)
