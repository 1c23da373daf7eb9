"""The backend's Starlette app factory, and the services it is made of.

    app = create_app(BackendSettings.from_environ())
    fastapi_app.mount("/tiktok", app)     # the page's backend_url is then ".../tiktok"
    # mounted, on the ISV app's startup: await app.state.backend.start() (the refresher)
    # and on its shutdown: await app.state.backend.aclose()

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
app's lifespan starts its background work (the webhook subscriptions' check,
the webhooks received but not done taken again: ``_webhooks.py``, the token
refresher: ``_refresher.py``) and closes what it opened; mounted, Starlette runs
no lifespan of a mounted app, so the host app calls ``await
app.state.backend.start()`` on its start and ``await app.state.backend.aclose()``
on its shutdown. Besides the page's API it serves ``/healthz``, ``/readyz`` and,
with ``settings.metrics``, ``/metrics`` (``_operations.py``), counting requests for it.

``create_app`` checks what the backend stands on before it serves: the
database answers and its schema is current (a SQLite file is upgraded in
place), and Redis answers. Otherwise it raises ``SettingsError``, one line
naming the variable to fix (never a password). Failing later, they are 503s
(``_web.unavailable``), and each request tries them again.
"""

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx2 as httpx
from redis.exceptions import RedisError
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
from ._metrics import CountRequests, Metrics
from ._operations import routes as operations_routes
from ._refresher import TokenRefresher
from ._returns_summary import ReturnsSummaries
from ._sessions import session_middleware, session_seller
from ._settings import BackendSettings, SettingsError
from ._shared import check_redis, shared_state
from ._store import SchemaNotCurrent, StoreUnavailable, TokenCipher, TokenStore
from ._subscriptions import WebhookSubscriptions
from ._web import ConnectedHook, SellerHook, connect_url, json_reply, routes, unavailable
from ._webhooks import WebhookRetries, Webhooks
from ._widget_tokens import OpenApiWidgetTokenIssuer, WidgetTokenIssuer, WidgetTokens


logger = logging.getLogger("tiktokshop_backend")
# Seconds between two passes over the webhooks received but not done (wall time).
WEBHOOK_RETRY_INTERVAL_S = 30


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
    metrics: Metrics
    refresher: TokenRefresher
    webhooks: Webhooks
    webhook_retries: WebhookRetries
    background: list[asyncio.Task] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def create(cls, settings: BackendSettings, clock: Clock | None = None,
               http: httpx.AsyncClient | None = None, shared=None,
               widget_token_issuer: WidgetTokenIssuer | None = None,
               on_seller_disconnected: SellerCallback | None = None) -> "BackendServices":
        """The services for ``settings``, each piece made unless given (see ``create_app``)."""
        quiet_http_client_logs()
        clock = clock or SystemClock()
        cipher = TokenCipher(settings.encryption_key)
        store = ready_store(settings, cipher)
        if shared is None and settings.redis_url:
            check_shared(settings.redis_url)
        http = http or httpx.AsyncClient(follow_redirects=False)
        shared = shared or shared_state(settings.redis_url)
        metrics = Metrics()
        client = OpenApiClient(settings, http, clock, metrics=metrics)
        authorization = SellerAuthorization(settings, client, store, shared, clock,
                                            on_seller_disconnected, metrics)
        issuer = widget_token_issuer or OpenApiWidgetTokenIssuer(client,
                                                                 settings.widget_token_path)
        events = event_feed(settings.redis_url)
        summaries = ReturnsSummaries(client, authorization, shared, clock, settings.summary_ttl)
        webhooks = Webhooks(settings, store, authorization, summaries, events, clock, metrics,
                            connect_url)
        return cls(settings, clock, http, shared, store, client, authorization,
                   WidgetTokens(issuer, authorization, shared, cipher, clock,
                                settings.widget_token_margin, metrics),
                   summaries, events, EventStreams(events, settings, json_reply),
                   WebhookSubscriptions(client, authorization, shared, settings.webhook_url),
                   metrics,
                   TokenRefresher(authorization, store, shared, clock, metrics,
                                  interval=settings.refresh_interval,
                                  ahead=settings.refresh_ahead),
                   webhooks, WebhookRetries(webhooks, shared, interval=WEBHOOK_RETRY_INTERVAL_S))

    async def start(self) -> None:
        """Start the background work: checking every known shop's webhook subscriptions,
        the webhooks received but not done taken again (``_webhooks.WebhookRetries``), and
        the token refresher (unless ``settings.refresh_interval`` is 0)."""
        self.background.append(asyncio.create_task(self._check_subscriptions(),
                                                   name="webhook subscriptions check"))
        self.webhook_retries.start()
        if self.settings.refresh_interval:
            self.refresher.start()

    async def _check_subscriptions(self) -> None:
        try:
            await self.subscriptions.ensure_all()
        except Exception:  # the pages poll meanwhile; the next start checks again
            logger.exception("checking the webhook subscriptions failed")

    async def aclose(self) -> None:
        """Stop the background work; close the event feed, the HTTP client, the shared
        state (Redis) and the database's connections."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.refresher.stop()
        await self.webhook_retries.stop()
        await self.events.aclose()
        await self.http.aclose()
        await self.shared.aclose()
        await self.store.aclose()


def ready_store(settings: BackendSettings, cipher: TokenCipher) -> TokenStore:
    """The token store, reachable and at its schema (SettingsError otherwise)."""
    store = TokenStore(settings.database, cipher)
    try:
        store.prepare()
    except (StoreUnavailable, SchemaNotCurrent) as exc:
        raise SettingsError(f"{settings.database_variable}: {exc}") from None
    return store


def check_shared(redis_url: str) -> None:
    try:
        check_redis(redis_url)
    except (RedisError, ValueError) as exc:
        raise SettingsError(f"REDIS_URL: Redis at {shown_redis(redis_url)} does not answer: "
                            f"{str(exc).splitlines()[0][:200]}") from None


def shown_redis(url: str) -> str:
    """The Redis URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


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

    all_routes = [*routes(services, settings, seller_hook, on_seller_connected),
                  *operations_routes(services)]
    counting = [Middleware(CountRequests, metrics=services.metrics, routes=all_routes)
                ] if settings.metrics else []
    app = Starlette(routes=all_routes,
                    # First: the callback's code and state leave the URL before anything
                    # (a host app's middleware included) can log it.
                    middleware=[Middleware(CallbackCredentialsOutOfUrl), *counting,
                                session_middleware(settings)],
                    exception_handlers={ClientDisconnect: client_went_away,
                                        StoreUnavailable: unavailable, RedisError: unavailable},
                    lifespan=lifespan)
    app.state.backend = services
    return app


def client_went_away(request: Request, exc: ClientDisconnect) -> PlainTextResponse:
    """A client closed its connection while sending: nobody reads the reply, and it is
    no server error (uvicorn would log it as one, traceback and all)."""
    return PlainTextResponse("the request was not received in full", 400)
