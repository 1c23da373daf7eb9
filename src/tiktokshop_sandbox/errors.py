"""Every error code the sandbox answers with, in one place.

    raise PlatformError.of(TOKEN_EXPIRED)                       # 401, TikTok's text
    raise PlatformError(400, INVALID_PARAMETER, "page_size must be 1 to 100")
    tiktok_reply(error.status, error.code, error.message)       # how the APIs answer it

The first group are TikTok Shop's own widget-platform codes (from its widget FAQ);
the widget recognises them by number, so the sandbox answers with the same ones.
The other groups are the SANDBOX'S OWN codes, NOT TikTok's: TikTok does not
document the codes its Open API uses for these cases, so the sandbox picks
numbers in a range TikTok does not use (99xxxxxx) rather than guess. Clients
must go by the HTTP status and keep code, message and request_id.

Open API and auth host (``open_api``, ``auth``):

======== ====== =====================================================================
code     status meaning
======== ====== =====================================================================
99100001 401    ``sign`` missing or not the HMAC of this request
99100002 401    ``timestamp`` missing or more than 300 s from the sandbox clock
99100003 401    ``app_key`` not registered, or ``app_secret`` wrong (auth host)
99100004 401    access token missing, unknown or revoked
99100005 401    access token expired (on the sandbox clock)
99100006 403    ``shop_cipher`` missing, unknown, or of a shop this seller did not
                authorize for this app
99100007 429    rate limited (``Retry-After`` says when to try again)
99100008 401    ``auth_code`` unknown, used or expired (auth host)
99100009 401    ``refresh_token`` unknown, expired or revoked: the seller must
                authorize again (auth host)
99100010 (set)  a fault injected with ``POST /control/faults`` (503 unless told)
99000400 400    a parameter or body field is missing or malformed
99000405 404/405 no such path or method on the sandbox
99001404 404    no such return in this shop
99001409 409    the return was already decided (approve/reject twice)
======== ====== =====================================================================
"""

from collections.abc import Iterator
from contextlib import contextmanager

from .store import DecisionNotApplicable, IdempotencyKeyReused, ReturnNotFound, ReturnNotPending

# TikTok Shop widget-platform codes.
WIDGET_DOMAIN_NOT_MATCH = 36017010
TOKEN_EXPIRED = 36017005
TOKEN_INVALID = 36017006
APP_KEY_NOT_MATCH = 36017008
TOKEN_SHOP_NOT_MATCH = 36017009
INVALID_CLIENT_KEY = 36004003
TRAFFIC_INVALID = "I01008"

# Sandbox-only codes (not TikTok's): widget platform and Return API.
INVALID_PARAMETER = 99000400
SHOP_NOT_FOUND = 99000404
NO_SUCH_API = 99000405
WIDGET_NOT_FOUND = 99002404
RETURN_NOT_FOUND = 99001404
RETURN_NOT_PENDING = 99001409
IDEMPOTENCY_KEY_REUSED = 99001422

# Sandbox-only codes (not TikTok's): Open API and auth host.
INVALID_SIGN = 99100001
TIMESTAMP_OUT_OF_WINDOW = 99100002
UNKNOWN_APP = 99100003
ACCESS_TOKEN_INVALID = 99100004
ACCESS_TOKEN_EXPIRED = 99100005
SHOP_NOT_AUTHORIZED = 99100006
RATE_LIMITED = 99100007
AUTH_CODE_INVALID = 99100008
REFRESH_TOKEN_INVALID = 99100009
INJECTED_FAULT = 99100010

# HTTP status and wording for the codes that always mean the same thing.
_STANDARD = {
    WIDGET_DOMAIN_NOT_MATCH: (403, "Widget domain not match"),
    TOKEN_EXPIRED: (401, "Widget Token Is Expired"),
    TOKEN_INVALID: (401, "Widget token is invalid"),
    APP_KEY_NOT_MATCH: (403, "app_key is not match"),
    TOKEN_SHOP_NOT_MATCH: (403, "Widget Token Shop Not Match"),
    INVALID_CLIENT_KEY: (403, "invalid client_key"),
    TRAFFIC_INVALID: (403, "Traffic is invalid"),
    INVALID_SIGN: (401, "Invalid sign"),
    TIMESTAMP_OUT_OF_WINDOW: (401, "Timestamp is out of the allowed window"),
    UNKNOWN_APP: (401, "Unknown app_key or wrong app_secret"),
    ACCESS_TOKEN_INVALID: (401, "Invalid access token"),
    ACCESS_TOKEN_EXPIRED: (401, "Access token expired"),
    SHOP_NOT_AUTHORIZED: (403, "Shop is not authorized for this app"),
    RATE_LIMITED: (429, "Too many requests"),
    AUTH_CODE_INVALID: (401, "Invalid auth_code"),
    REFRESH_TOKEN_INVALID: (401, "Invalid or expired refresh_token: authorize the app again"),
}


class PlatformError(Exception):
    """A failed call: HTTP status, platform code and a plain message."""

    def __init__(self, status: int, code: int | str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @classmethod
    def of(cls, code: int | str, detail: str = "") -> "PlatformError":
        """One of the codes above with its usual status and wording, plus optional detail."""
        status, message = _STANDARD[code]
        return cls(status, code, f"{message}: {detail}" if detail else message)


@contextmanager
def store_refusals() -> Iterator[None]:
    """The store's refusals of a return or a decision, as the APIs answer them."""
    try:
        yield
    except ReturnNotFound as exc:
        raise PlatformError(404, RETURN_NOT_FOUND, str(exc)) from None
    except ReturnNotPending as exc:
        raise PlatformError(409, RETURN_NOT_PENDING,
                            f"this return is no longer pending (status {exc.status}): "
                            "it was already decided") from None
    except DecisionNotApplicable as exc:
        raise PlatformError(400, INVALID_PARAMETER, str(exc)) from None
    except IdempotencyKeyReused as exc:
        raise PlatformError(422, IDEMPOTENCY_KEY_REUSED, str(exc)) from None
