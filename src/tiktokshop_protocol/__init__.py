"""What TikTok Shop documents about its Open API, shared by the ISV backend and the sandbox.

    from tiktokshop_protocol import OPEN_API_BASE, SHOPS_PATH, sign

    query = {"app_key": app_key, "timestamp": str(now)}
    query["sign"] = sign(app_secret, SHOPS_PATH, query, b"")
    httpx.get(OPEN_API_BASE + SHOPS_PATH, params=query,
              headers={ACCESS_TOKEN_HEADER: access_token})

Pure CPython with no dependencies: request signing (``sign``), the hosts,
paths and header names of ``open-api.md`` as constants, webhooks (event
types, the Event API's path, ``webhook_signature`` and ``verify_webhook``),
and ``redact_query`` to keep the credentials TikTok's auth host takes in URLs
out of logs. Nothing specific to
the sandbox or to the backend lives here.
"""

from ._endpoints import (
    ACCESS_TOKEN_HEADER,
    AUTH_BASE,
    AUTH_SANDBOX_BASE,
    AUTHORIZE_URL,
    OPEN_API_BASE,
    OPEN_API_SANDBOX_BASE,
    REJECT_REASONS_PATH,
    RETURN_APPROVE_PATH,
    RETURN_REJECT_PATH,
    RETURNS_SEARCH_PATH,
    SHOPS_PATH,
    TOKEN_GET_PATH,
    TOKEN_REFRESH_PATH,
    return_approve_path,
    return_reject_path,
)
from ._redaction import CREDENTIAL_QUERY_PARAMETERS, redact_query
from ._signing import UNSIGNED_QUERY_PARAMETERS, sign
from ._webhooks import (
    CANCELLATION_STATUS_CHANGE,
    ORDER_STATUS_CHANGE,
    RETRY_WINDOW_S,
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    WEBHOOK_EVENT_TYPES,
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOKS_PATH,
    verify_webhook,
    webhook_signature,
)

__all__ = [
    "ACCESS_TOKEN_HEADER",
    "CANCELLATION_STATUS_CHANGE",
    "ORDER_STATUS_CHANGE",
    "RETRY_WINDOW_S",
    "RETURN_STATUS_CHANGE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
    "WEBHOOKS_PATH",
    "WEBHOOK_EVENT_TYPES",
    "WEBHOOK_SIGNATURE_HEADER",
    "AUTHORIZE_URL",
    "CREDENTIAL_QUERY_PARAMETERS",
    "AUTH_BASE",
    "AUTH_SANDBOX_BASE",
    "OPEN_API_BASE",
    "OPEN_API_SANDBOX_BASE",
    "REJECT_REASONS_PATH",
    "RETURNS_SEARCH_PATH",
    "RETURN_APPROVE_PATH",
    "RETURN_REJECT_PATH",
    "SHOPS_PATH",
    "TOKEN_GET_PATH",
    "TOKEN_REFRESH_PATH",
    "UNSIGNED_QUERY_PARAMETERS",
    "redact_query",
    "return_approve_path",
    "return_reject_path",
    "sign",
    "verify_webhook",
    "webhook_signature",
]
