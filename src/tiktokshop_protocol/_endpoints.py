"""TikTok Shop's documented hosts, paths and header names (open-api.md).

    from tiktokshop_protocol import AUTH_BASE, TOKEN_GET_PATH, return_approve_path

    AUTH_BASE + TOKEN_GET_PATH          # https://auth.tiktok-shops.com/api/v2/token/get
    return_approve_path("4035...")      # /return_refund/202309/returns/4035.../approve

Base URLs are defaults only: every deployment names its own in configuration
(in development they point at the sandbox). Paths are relative to a base URL
and are exactly what ``sign`` signs.
"""

OPEN_API_BASE = "https://open-api.tiktokglobalshop.com"
OPEN_API_SANDBOX_BASE = "https://open-api-sandbox.tiktokglobalshop.com"
AUTH_BASE = "https://auth.tiktok-shops.com"
AUTH_SANDBOX_BASE = "https://auth-sandbox.tiktok-shops.com"
AUTHORIZE_URL = "https://services.tiktokshop.com/open/authorize"

# The auth host.
TOKEN_GET_PATH = "/api/v2/token/get"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"

# The Open API host.
SHOPS_PATH = "/authorization/202309/shops"
RETURNS_SEARCH_PATH = "/return_refund/202309/returns/search"
RETURN_APPROVE_PATH = "/return_refund/202309/returns/{return_id}/approve"
RETURN_REJECT_PATH = "/return_refund/202309/returns/{return_id}/reject"
REJECT_REASONS_PATH = "/return_refund/202309/reject_reasons"

ACCESS_TOKEN_HEADER = "x-tts-access-token"


def return_approve_path(return_id: str) -> str:
    return RETURN_APPROVE_PATH.format(return_id=return_id)


def return_reject_path(return_id: str) -> str:
    return RETURN_REJECT_PATH.format(return_id=return_id)
