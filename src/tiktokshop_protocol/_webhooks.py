"""TikTok Shop's webhooks as open-api.md documents them: event types, the Event API's
path, and the signature of each delivery.

    from tiktokshop_protocol import WEBHOOK_SIGNATURE_HEADER, verify_webhook

    raw = await request.body()                       # the exact bytes received
    if not verify_webhook(app_key, app_secret, raw, request.headers.get(WEBHOOK_SIGNATURE_HEADER)):
        return Response(status_code=401)
    event = json.loads(raw)                          # {"type": 12, "tts_notification_id", ...}

The signature is the lowercase hex HMAC-SHA256, keyed with the app secret, of
the app key followed by the raw body. It carries no timestamp: a receiver keeps
``tts_notification_id`` to drop the same event delivered again.
"""

import hashlib
import hmac

# The Event API (signed, shop-scoped): GET lists, PUT sets, DELETE removes a subscription.
WEBHOOKS_PATH = "/event/202309/webhooks"
WEBHOOK_SIGNATURE_HEADER = "Authorization"
# TikTok retries a delivery this long: a receiver remembers each notification id at least as long.
RETRY_WINDOW_S = 72 * 60 * 60

# Event types: the number in a delivery's "type", the name the Event API takes.
ORDER_STATUS_CHANGE = 1
SELLER_DEAUTHORIZATION = 6
UPCOMING_AUTHORIZATION_EXPIRATION = 7
CANCELLATION_STATUS_CHANGE = 11
RETURN_STATUS_CHANGE = 12
WEBHOOK_EVENT_TYPES = {
    "ORDER_STATUS_CHANGE": ORDER_STATUS_CHANGE,
    "SELLER_DEAUTHORIZATION": SELLER_DEAUTHORIZATION,
    "UPCOMING_AUTHORIZATION_EXPIRATION": UPCOMING_AUTHORIZATION_EXPIRATION,
    "CANCELLATION_STATUS_CHANGE": CANCELLATION_STATUS_CHANGE,
    "RETURN_STATUS_CHANGE": RETURN_STATUS_CHANGE,
}


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The ``Authorization`` header TikTok sends with ``body``."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_webhook(app_key: str, app_secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the ``Authorization`` header, None when absent) is TikTok's
    for ``body``, compared in constant time."""
    if not signature:
        return False
    expected = webhook_signature(app_key, app_secret, body)
    return hmac.compare_digest(signature.strip().lower().encode(), expected.encode())
