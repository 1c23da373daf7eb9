"""Keep TikTok's credentials out of log lines that print URLs.

    quiet_http_client_logs()     # idempotent; create_app calls it
    logging.getLogger("uvicorn.access").addFilter(RedactCredentials())

httpx logs every request's full URL at INFO ("HTTP Request: GET https://...").
TikTok's auth host takes ``app_secret``, ``auth_code`` and ``refresh_token`` in
the query string, as documented, so an ISV that turns INFO logging on would log
them. ``RedactCredentials`` masks those parameters' values
(``tiktokshop_protocol.redact_query``), and the OAuth callback's ``code`` and
``state``, in the URLs a log record carries; ``quiet_http_client_logs`` puts it
on httpx's loggers, and ``python -m tiktokshop_backend`` on uvicorn's access log.
"""

import logging
import re

from tiktokshop_protocol import redact_query

HTTP_CLIENT_LOGGERS = ("httpx2", "httpx")
# What TikTok sends the seller's browser back to the OAuth callback with: the
# authorization code and our state, both as good as a credential until used.
REDACTED = "***"  # as redact_query writes it
_CALLBACK_VALUE = re.compile(r"(?P<name>[?&](?:code|state)=)[^&#\s\"]*")


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
