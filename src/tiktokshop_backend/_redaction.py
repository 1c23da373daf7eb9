"""Keep TikTok's credentials out of log lines that print URLs.

    quiet_http_client_logs()     # idempotent; create_app calls it
    Middleware(CallbackCredentialsOutOfUrl)   # create_app's first middleware
    callback_credentials(request)             # {"code": ..., "state": ...} of the callback

httpx logs every request's full URL at INFO ("HTTP Request: GET https://...").
TikTok's auth host takes ``app_secret``, ``auth_code`` and ``refresh_token`` in
the query string, as documented, so an ISV that turns INFO logging on would log
them. ``RedactCredentials`` masks those parameters' values
(``tiktokshop_protocol.redact_query``), and the OAuth callback's ``code`` and
``state``, in the URLs a log record carries; ``quiet_http_client_logs`` puts it
on httpx's loggers.

TikTok sends the seller's browser back with ``?code=...&state=...``, and the
server running the app (uvicorn, alone or with the backend mounted in an ISV's
FastAPI app) logs each request's URL from its ASGI scope once the app has
answered. ``CallbackCredentialsOutOfUrl`` takes both values out of the scope's
query string as the request comes in (``code=***&state=***`` is what is left
to log) and keeps them in the scope for the callback: whoever runs the app
and however its logging is set up, no access log gets them.
"""

import logging
import re
from urllib.parse import parse_qsl, unquote_plus

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from tiktokshop_protocol import redact_query

HTTP_CLIENT_LOGGERS = ("httpx2", "httpx")
# What TikTok sends the seller's browser back to the OAuth callback with: the
# authorization code and our state, both as good as a credential until used.
REDACTED = "***"  # as redact_query writes it
CALLBACK_PARAMETERS = ("code", "state")
_CALLBACK_VALUE = re.compile(r"(?P<name>[?&](?:code|state)=)[^&#\s\"]*")
_CALLBACK_CREDENTIALS = "tiktokshop_backend.callback_credentials"


class RedactCredentials(logging.Filter):
    """Mask credential query parameters in the URLs of a log record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        return True


def _redacted(value):
    if hasattr(value, "copy_with") and getattr(value, "query", b""):  # an httpx URL
        value = str(value)
    if isinstance(value, str):
        return _CALLBACK_VALUE.sub(lambda m: m.group("name") + REDACTED, redact_query(value))
    return value


def quiet_http_client_logs() -> None:
    for name in HTTP_CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())


class CallbackCredentialsOutOfUrl:
    """Moves ``code`` and ``state`` from the request's query string (which servers log)
    into the scope (which they do not), for ``callback_credentials``."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            query = scope["query_string"].decode("latin-1")
            taken = {name: value for name, value in parse_qsl(query, keep_blank_values=True)
                     if name in CALLBACK_PARAMETERS}
            if taken:
                scope[_CALLBACK_CREDENTIALS] = taken
                # In place: the server logs the scope it passed in, this very dict.
                scope["query_string"] = "&".join(
                    _masked(part) for part in query.split("&")).encode("latin-1")
        await self.app(scope, receive, send)


def callback_credentials(connection: HTTPConnection) -> dict[str, str]:
    """The ``code`` and ``state`` the request's URL carried (the last of each)."""
    return connection.scope.get(_CALLBACK_CREDENTIALS, {})


def _masked(part: str) -> str:
    """``part`` (``name=value``) with the value masked if the name, decoded, is one of them."""
    name = part.partition("=")[0]
    return f"{name}={REDACTED}" if unquote_plus(name) in CALLBACK_PARAMETERS else part
