"""The ISV's backend for TikTok Shop widgets: seller OAuth, the Open API, widget tokens.

    from tiktokshop_backend import BackendSettings, create_app

    app = create_app(BackendSettings.from_environ())   # run: python -m tiktokshop_backend
    # or, in a FastAPI/Starlette app:  fastapi_app.mount("/tiktok", app)
    app = create_app(settings, seller_hook=tiktok_open_id_of_your_user,
                     on_seller_connected=link_to_your_user)    # your login, your users

Serves the page contract (``tiktokshop_widgets.backend``): who am I
(``/api/v1/seller``), switching shops, the seed's widget-token endpoint, a
returns summary, and the OAuth start and callback. See README.md, "Going live".
"""

from ._app import BackendServices, create_app
from ._authorization import NotConnected, ReconnectNeeded, SellerAuthorization, SellerProfile
from ._client import OpenApiClient, OpenApiError
from ._clock import Clock, SystemClock
from ._listen import listening_socket, shown_address
from ._origins import host_of, origin_of, web_origin
from ._redaction import CallbackCredentialsOutOfUrl, RedactCredentials
from ._sessions import BACKEND_SESSION, COOKIE_NAME, backend_session, session_seller, sign_in
from ._settings import DEFAULT_WEBHOOK_PATH, ENVIRONMENT_NAMES, BackendSettings, SettingsError
from ._shared import MemoryShared, RedisShared, shared_state
from ._store import (
    Rotation,
    SchemaNotCurrent,
    SellerTokens,
    Shop,
    StoreUnavailable,
    StoreUnreadable,
    TokenCipher,
    TokenStore,
)
from ._web import CALLBACK_PATH, START_PATH
from ._widget_tokens import OpenApiWidgetTokenIssuer, WidgetToken, WidgetTokenIssuer

__all__ = [
    "BACKEND_SESSION",
    "CALLBACK_PATH",
    "COOKIE_NAME",
    "DEFAULT_WEBHOOK_PATH",
    "ENVIRONMENT_NAMES",
    "START_PATH",
    "BackendServices",
    "BackendSettings",
    "CallbackCredentialsOutOfUrl",
    "Clock",
    "MemoryShared",
    "NotConnected",
    "OpenApiClient",
    "OpenApiError",
    "OpenApiWidgetTokenIssuer",
    "ReconnectNeeded",
    "RedactCredentials",
    "RedisShared",
    "Rotation",
    "SchemaNotCurrent",
    "SellerAuthorization",
    "SellerProfile",
    "SellerTokens",
    "SettingsError",
    "Shop",
    "StoreUnavailable",
    "StoreUnreadable",
    "SystemClock",
    "TokenCipher",
    "TokenStore",
    "WidgetToken",
    "WidgetTokenIssuer",
    "backend_session",
    "create_app",
    "host_of",
    "listening_socket",
    "origin_of",
    "session_seller",
    "shared_state",
    "shown_address",
    "sign_in",
    "web_origin",
]
