"""TikTok Shop's webhooks (open-api.md, "Webhooks"): the signature, the event types, the Event API.

    header = webhook_signature(app_key, app_secret, raw_body)       # TikTok's Authorization
    if verify_webhook(app_key, app_secret, raw_body, request.headers.get("authorization")): ...
    # subscribe a shop: PUT WEBHOOKS_PATH {"address": url, "event_type": "RETURN_STATUS_CHANGE"}

TikTok signs each delivery with the app secret over ``app_key + raw body``;
the receiver recomputes it over the exact bytes it received and compares in
constant time. Event types travel as numbers in deliveries (``type``) and as
names in the Event API (``event_type``).
"""

import hashlib
import hmac

WEBHOOKS_PATH = "/event/202309/webhooks"

RETURN_STATUS_CHANGE = 12
SELLER_DEAUTHORIZATION = 6
UPCOMING_AUTHORIZATION_EXPIRATION = 7
# The Event API's names of the types above.
EVENT_TYPE_NAMES = {
    RETURN_STATUS_CHANGE: "RETURN_STATUS_CHANGE",
    SELLER_DEAUTHORIZATION: "SELLER_DEAUTHORIZATION",
    UPCOMING_AUTHORIZATION_EXPIRATION: "UPCOMING_AUTHORIZATION_EXPIRATION",
}
# How long TikTok retries a delivery: a notification id must be remembered at least this long.
RETRY_WINDOW_S = 72 * 60 * 60


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 keyed with ``app_secret`` over ``app_key + body``."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_webhook(app_key: str, app_secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the Authorization header) signs ``body``, in constant time."""
    if not signature:
        return False
    expected = webhook_signature(app_key, app_secret, body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
