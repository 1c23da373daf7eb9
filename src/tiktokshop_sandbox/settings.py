"""The sandbox's own settings: TikTok's registration of the one sandbox app, and lifetimes.

    settings = SandboxSettings(data_dir=Path(".data"), redirect_url="http://127.0.0.1:8000/auth/tiktok/callback",
                               controls=True, access_token_ttl=60)
    app = create_app(settings)

Passed in by whoever mounts the sandbox (the dev server, a test); the sandbox
reads no environment and no global. ``platform_secret`` signs widget tokens
(TikTok's own secret, never the ISV's); when None, one is made at first start
in ``data_dir`` (mode 0600) and kept there.
"""

from dataclasses import dataclass
from pathlib import Path

# The ISV app registered in the sandbox. The secret is a development value, the
# one open-api.md's known-answer vectors use, so those vectors verify here.
SANDBOX_APP_KEY = "6sandboxapp01"
SANDBOX_APP_SECRET = "sandboxsecret0123456789abcdef"
SANDBOX_SERVICE_ID = "7300000000000000001"

DAY = 24 * 3600


@dataclass(frozen=True)
class SandboxSettings:
    data_dir: Path
    reset: bool = False
    app_key: str = SANDBOX_APP_KEY
    app_secret: str = SANDBOX_APP_SECRET
    service_id: str = SANDBOX_SERVICE_ID
    # The app's registered OAuth redirect (the backend's callback); the authorize
    # page sends sellers nowhere else.
    redirect_url: str = "http://127.0.0.1:8000/auth/tiktok/callback"
    # TikTok's defaults: an access token lives 7 days, a refresh token 30.
    access_token_ttl: int = 7 * DAY
    refresh_token_ttl: int = 30 * DAY
    auth_code_ttl: int = 600
    widget_token_ttl: int = 300
    # How far a request's timestamp may be from the sandbox clock, either way.
    timestamp_window: int = 300
    # Page origins the widget's API accepts besides the one it is served from.
    allowed_origins: tuple[str, ...] = ()
    # TikTok's widget-token signing secret; None: kept in data_dir/token-secret.
    platform_secret: bytes | None = None
    # /control/* (clock, authorize, returns, faults, revoke, webhooks): development and
    # tests only.
    controls: bool = False
    # The app's webhook address, as Partner Center keeps it: where a shop's events go
    # unless the Event API subscribed the shop elsewhere; None: only there.
    webhook_url: str | None = None
    # Webhook delivery (webhooks.py): one attempt's time limit, then retries after
    # base, 2 x base, 4 x base ... seconds (at most max_delay apart) for retry_window.
    webhook_timeout: float = 5.0
    webhook_retry_base: float = 15.0
    webhook_retry_max_delay: float = 3600.0
    webhook_retry_window: float = 72 * 3600.0
    # UPCOMING_AUTHORIZATION_EXPIRATION goes out this long before a shop's
    # authorization (its refresh token) expires.
    expiration_notice: int = 7 * DAY

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sandbox.sqlite3"

    @property
    def platform_secret_path(self) -> Path:
        return self.data_dir / "token-secret"
