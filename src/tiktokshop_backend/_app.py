"""The backend's Starlette app factory, and the services it is made of.

    app = create_app(BackendSettings.from_environ())
    fastapi_app.mount("/tiktok", app)     # the page's backend_url is then ".../tiktok"
    # on shutdown of the ISV's app: await app.state.backend.aclose()

``create_app(settings, clock=..., seller_hook=..., on_seller_connected=...,
on_seller_disconnected=..., http=..., shared=..., widget_token_issuer=...)``
takes every swappable piece as an argument: the clock (default wall time),
how the ISV's login names the seller (``seller_hook(request)``: the seller's
``open_id`` or None; default: the backend's session set by the OAuth
callback), what the ISV does when a seller connects
(``on_seller_connected(request, seller)``, with the host app's
``request.session``: link the seller to the signed-in user) or when their
connection lapses (``on_seller_disconnected(seller)``), each sync or async,
the httpx client that talks to TikTok, the shared state (default: Redis with
``settings.redis_url``, else this process) and the widget-token issuer
(default: the Open API call at ``settings.widget_token_path``). Run alone, the
app's lifespan starts its background work (the webhook subscriptions' check)
and closes what it opened; mounted, Starlette runs no lifespan of a mounted
app, so the host app calls ``await app.state.backend.start()`` on its start
and ``await app.state.backend.aclose()`` on its shutdown.
"""

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx2 as httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse

from ._authorization import SellerAuthorization, SellerCallback
from ._client import OpenApiClient
from ._redaction import CallbackCredentialsOutOfUrl, quiet_http_client_logs
from ._clock import Clock, SystemClock
from ._event_streams import EventStreams
from ._events import event_feed
from ._returns_summary import ReturnsSummaries
from ._sessions import session_middleware, session_seller
from ._settings import BackendSettings
from ._shared import shared_state
from ._store import TokenCipher, TokenStore
from ._subscriptions import WebhookSubscriptions
from ._web import ConnectedHook, SellerHook, json_reply, routes
from ._widget_tokens import OpenApiWidgetTokenIssuer, WidgetTokenIssuer, WidgetTokens


logger = logging.getLogger("tiktokshop_backend")


@dataclass
class BackendServices:
    """What the endpoints use, made once per app."""
    settings: BackendSettings
    clock: Clock
    http: httpx.AsyncClient
    shared: object
    store: TokenStore
    client: OpenApiClient
    authorization: SellerAuthorization
    widget_tokens: WidgetTokens
    returns_summaries: ReturnsSummaries
    events: object
    event_streams: EventStreams
    subscriptions: WebhookSubscriptions
    background: list[asyncio.Task] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def create(cls, settings: BackendSettings, clock: Clock | None = None,
               http: httpx.AsyncClient | None = None, shared=None,
               widget_token_issuer: WidgetTokenIssuer | None = None,
               on_seller_disconnected: SellerCallback | None = None) -> "BackendServices":
        """The services for ``settings``, each piece made unless given (see ``create_app``)."""
        quiet_http_client_logs()
        clock = clock or SystemClock()
        http = http or httpx.AsyncClient(follow_redirects=False)
        shared = shared or shared_state(settings.redis_url)
        cipher = TokenCipher(settings.encryption_key)
        store = TokenStore(settings.db_path, cipher)
        client = OpenApiClient(settings, http, clock)
        authorization = SellerAuthorization(settings, client, store, shared, clock,
                                            on_seller_disconnected)
        issuer = widget_token_issuer or OpenApiWidgetTokenIssuer(client,
                                                                 settings.widget_token_path)
        events = event_feed(settings.redis_url)
        return cls(settings, clock, http, shared, store, client, authorization,
                   WidgetTokens(issuer, authorization, shared, cipher, clock,
                                settings.widget_token_margin),
                   ReturnsSummaries(client, authorization, shared, clock, settings.summary_ttl),
                   events, EventStreams(events, settings, json_reply),
                   WebhookSubscriptions(client, authorization, shared, settings.webhook_url))

    async def start(self) -> None:
        """Start the background work: checking every known shop's webhook subscriptions."""
        self.background.append(asyncio.create_task(self._check_subscriptions(),
                                                   name="webhook subscriptions check"))

    async def _check_subscriptions(self) -> None:
        try:
            await self.subscriptions.ensure_all()
        except Exception:  # the pages poll meanwhile; the next start checks again
            logger.exception("checking the webhook subscriptions failed")

    async def aclose(self) -> None:
        """Stop the background work; close the event feed, the HTTP client and the shared
        state (Redis)."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.events.aclose()
        await self.http.aclose()
        await self.shared.aclose()


def create_app(settings: BackendSettings, *, clock: Clock | None = None,
               seller_hook: SellerHook = session_seller,
               on_seller_connected: ConnectedHook | None = None,
               on_seller_disconnected: SellerCallback | None = None,
               http: httpx.AsyncClient | None = None,
               shared=None, widget_token_issuer: WidgetTokenIssuer | None = None) -> Starlette:
    """The backend as a Starlette app, to run alone or mount in yours.

    ``settings``: a ``BackendSettings``. The rest are swappable pieces, each
    optional: ``clock`` (``.now()`` in unix seconds; default ``SystemClock``),
    ``seller_hook`` (request -> the seller's TikTok ``open_id`` or None, plain or
    async; default: the session cookie the OAuth callback sets),
    ``on_seller_connected(request, seller)`` and ``on_seller_disconnected(seller)``
    (your code, told of a ``SellerProfile`` that connected or must connect again),
    ``http`` (the ``httpx.AsyncClient`` that talks to TikTok), ``shared``
    (``MemoryShared`` or ``RedisShared``; default from ``settings.redis_url``),
    ``widget_token_issuer`` (default: ``OpenApiWidgetTokenIssuer`` on
    ``settings.widget_token_path``). The services are ``app.state.backend``
    (``BackendServices``): a host app that mounts this one calls
    ``await app.state.backend.aclose()`` on shutdown.
    """
    services = BackendServices.create(settings, clock, http, shared, widget_token_issuer,
                                      on_seller_disconnected)

    @asynccontextmanager
    async def lifespan(app):
        await services.start()
        yield
        await services.aclose()

    app = Starlette(routes=routes(services, settings, seller_hook, on_seller_connected),
                    # First: the callback's code and state leave the URL before anything
                    # (a host app's middleware included) can log it.
                    middleware=[Middleware(CallbackCredentialsOutOfUrl),
                                session_middleware(settings)],
                    exception_handlers={ClientDisconnect: client_went_away},
                    lifespan=lifespan)
    app.state.backend = services
    return app


def client_went_away(request: Request, exc: ClientDisconnect) -> PlainTextResponse:
    """A client closed its connection while sending: nobody reads the reply, and it is
    no server error (uvicorn would log it as one, traceback and all)."""
    return PlainTextResponse("the request was not received in full", 400)
