"""Keep TikTok's credentials out of log lines that print URLs.

    quiet_http_client_logs()     # idempotent; create_app calls it
    logging.getLogger("uvicorn.access").addFilter(RedactCredentials())

httpx logs every request's full URL at INFO ("HTTP Request: GET https://...").
TikTok's auth host takes ``app_secret``, ``auth_code`` and ``refresh_token`` in
the query string, as documented, so an ISV that turns INFO logging on would log
them. ``RedactCredentials`` masks those parameters' values
(``tiktokshop_protocol.redact_query``) in the URLs a log record carries, and
``quiet_http_client_logs`` puts it on httpx's loggers.
"""

import logging

from tiktokshop_protocol import redact_query

HTTP_CLIENT_LOGGERS = ("httpx2", "httpx")


class RedactCredentials(logging.Filter):
    """Mask credential query parameters in the URLs of a log record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        return True


def _redacted(value):
    if isinstance(value, str):
        return redact_query(value)
    if hasattr(value, "copy_with") and getattr(value, "query", b""):  # an httpx URL
        return redact_query(str(value))
    return value


def quiet_http_client_logs() -> None:
    for name in HTTP_CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
