"""Every error code the sandbox platform answers with, in one place.

    raise PlatformError.of(TOKEN_EXPIRED)                       # 401, TikTok's text
    raise PlatformError(400, INVALID_PARAMETER, "page_size must be 1 to 100")
    json_reply(error.status, error.code, error.message)         # how the API answers it

The first group are TikTok Shop's own widget-platform codes (from its widget FAQ);
the widget recognises them by number, so the sandbox answers with the same ones.
The second group are the SANDBOX'S OWN codes, NOT TikTok's: TikTok does not
document the codes its Return & Refund API uses for these cases, so the sandbox
picks numbers in a range TikTok does not use (99xxxxxx) rather than guess.
"""

# TikTok Shop widget-platform codes.
WIDGET_DOMAIN_NOT_MATCH = 36017010
TOKEN_EXPIRED = 36017005
TOKEN_INVALID = 36017006
APP_KEY_NOT_MATCH = 36017008
TOKEN_SHOP_NOT_MATCH = 36017009
INVALID_CLIENT_KEY = 36004003
TRAFFIC_INVALID = "I01008"

# Sandbox-only codes (not TikTok's).
INVALID_PARAMETER = 99000400
SHOP_NOT_FOUND = 99000404
WIDGET_NOT_FOUND = 99002404
RETURN_NOT_FOUND = 99001404
RETURN_NOT_PENDING = 99001409
IDEMPOTENCY_KEY_REUSED = 99001422

# HTTP status and TikTok's wording for the codes that always mean the same thing.
_STANDARD = {
    WIDGET_DOMAIN_NOT_MATCH: (403, "Widget domain not match"),
    TOKEN_EXPIRED: (401, "Widget Token Is Expired"),
    TOKEN_INVALID: (401, "Widget token is invalid"),
    APP_KEY_NOT_MATCH: (403, "app_key is not match"),
    TOKEN_SHOP_NOT_MATCH: (403, "Widget Token Shop Not Match"),
    INVALID_CLIENT_KEY: (403, "invalid client_key"),
    TRAFFIC_INVALID: (403, "Traffic is invalid"),
}


class PlatformError(Exception):
    """A failed platform call: HTTP status, platform code and a plain message."""

    def __init__(self, status: int, code: int | str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @classmethod
    def of(cls, code: int | str, detail: str = "") -> "PlatformError":
        """One of TikTok's codes with its usual status and wording, plus optional detail."""
        status, message = _STANDARD[code]
        return cls(status, code, f"{message}: {detail}" if detail else message)
