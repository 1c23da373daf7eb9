"""Keep TikTok's credentials out of httpx's own log lines.

    quiet_http_client_logs()     # idempotent; create_app calls it

httpx logs every request's full URL at INFO ("HTTP Request: GET https://...").
TikTok's auth host takes ``app_secret``, ``auth_code`` and ``refresh_token`` in
the query string, as documented, so an ISV that turns INFO logging on would
log them. This adds a filter to httpx's logger that cuts the query string off
the URL of those lines; the method, host, path and status stay.
"""

import logging

HTTP_CLIENT_LOGGERS = ("httpx2", "httpx")


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True


def _without_query(value):
    # httpx passes its URL object; anything with a query goes out without it.
    if hasattr(value, "copy_with") and getattr(value, "query", b""):
        return value.copy_with(query=None)
    return value


def quiet_http_client_logs() -> None:
    for name in HTTP_CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
