"""The backend's settings: one frozen object, passed in, read from the environment by ``from_environ``.

    settings = BackendSettings.from_environ()            # TIKTOKSHOP_APP_KEY=... etc.
    settings = BackendSettings(app_key="...", app_secret="...", service_id="...",
                               redirect_url="https://app.example/auth/tiktok/callback",
                               encryption_key=Fernet.generate_key().decode(),
                               session_secret="...", widget_token_path="/...")

Every field has an environment variable, ``TIKTOKSHOP_<FIELD>`` (``REDIS_URL``
for ``redis_url``); ``ENVIRONMENT_NAMES`` lists them. A bad value raises
``SettingsError`` naming the variable, whose message is the one line
``python -m tiktokshop_backend`` prints. Secrets (app secret, encryption key,
session secret, the database URL's password) come from the environment or the
caller, never from a flag, and never show in ``repr``.
"""

import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import limits
from cryptography.fernet import Fernet
from sqlalchemy import URL

from tiktokshop_protocol import AUTH_BASE, AUTHORIZE_URL, OPEN_API_BASE

from ._database import database_url
from ._origins import web_origin

SAME_SITE_VALUES = ("lax", "strict", "none")
SECURE_VALUES = ("auto", "always", "never")
MIN_SESSION_SECRET_BYTES = 32
ENVIRONMENT_PREFIX = "TIKTOKSHOP_"
DEFAULT_WEBHOOK_PATH = "/webhooks/tiktok"
SWITCH_ON, SWITCH_OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
REDIS_SCHEMES = ("redis", "rediss", "unix")
DEFAULT_DB_PATH = Path("tiktokshop-backend.sqlite3")


class SettingsError(ValueError):
    """A setting is missing or unfit (or what it names cannot be used); the message,
    one line, names it (and its variable)."""

    def __init__(self, message: str):
        super().__init__(f"tiktokshop_backend: {message}")


@dataclass(frozen=True)
class BackendSettings:
    """The backend's settings; each field's variable is ``TIKTOKSHOP_<FIELD>``
    (``REDIS_URL`` for ``redis_url``): see ``from_environ``."""
    # The app, as TikTok Shop Partner Center registered it.
    app_key: str
    app_secret: str = field(repr=False)
    service_id: str
    # The OAuth callback URL registered for the app: this backend's /auth/tiktok/callback.
    redirect_url: str
    # Fernet keys (urlsafe base64, 32 bytes) encrypting access and refresh tokens
    # at rest; several comma-separated: the first encrypts, all decrypt (rotation).
    encryption_key: str = field(repr=False)
    # Signs the seller session cookie (at least 32 bytes).
    session_secret: str = field(repr=False)
    # The widget-token call's path on the Open API host, from TikTok's widget onboarding.
    widget_token_path: str
    # The SQLite file of connected sellers, unless database_url names a database.
    db_path: Path = DEFAULT_DB_PATH
    # With several machines, their one PostgreSQL: postgresql://user:password@host:5432/db.
    database_url: str | None = field(default=None, repr=False)
    # With a Redis URL, rate limits, caches, locks and OAuth state are shared by
    # every process using it; without, they live in this process.
    redis_url: str | None = None
    open_api_base: str = OPEN_API_BASE
    auth_base: str = AUTH_BASE
    # TikTok's authorize page; a path ("/x") sends the browser to the backend's own host.
    authorize_url: str = AUTHORIZE_URL
    # Where the OAuth callback sends the seller back to (the page).
    page_url: str = "/"
    # The origin pages are served from when behind a proxy (see README); None trusts Host.
    public_origin: str | None = None
    # Page origins, besides this backend's own, allowed to call it with the seller's cookie.
    cors_origins: tuple[str, ...] = ()
    cookie_samesite: str = "lax"
    cookie_secure: str = "auto"
    # Requests per seller session and per client IP ("N/minute"; the limits library's notation).
    token_limit_per_session: str = "30/minute"
    token_limit_per_ip: str = "300/minute"
    # Seconds one Open API or auth request may take.
    timeout: float = 10.0
    # Attempts of a read (search, shops, tokens) on timeouts, 429 and 5xx.
    read_attempts: int = 3
    # Refresh an access token this many seconds before it expires, on demand (a page
    # request that finds it so): the fallback for the background refresher.
    refresh_margin: int = 600
    # The background refresher: every refresh_interval seconds (0: never, on demand only),
    # it renews the access tokens that expire within refresh_ahead seconds.
    refresh_interval: float = 60.0
    refresh_ahead: int = 3600
    # Ask TikTok for a new widget token this many seconds before the cached one expires.
    widget_token_margin: int = 60
    # How long a shop's returns summary is reused, in seconds.
    summary_ttl: int = 60
    # Serve Prometheus metrics at /metrics (and count requests for them).
    metrics: bool = False
    # The public https URL TikTok posts webhooks to (this backend's webhook_path): every
    # connected shop is subscribed to it. None: no webhooks, the pages poll the summary.
    webhook_url: str | None = None
    # Where this backend receives TikTok's webhooks.
    webhook_path: str = DEFAULT_WEBHOOK_PATH
    # Seconds between heartbeats on a page's event stream (GET /api/v1/events).
    event_heartbeat: int = 15
    # Live event streams one process holds, and one browser session in one process.
    event_streams_per_process: int = 1000
    event_streams_per_session: int = 4

    def __post_init__(self):
        object.__setattr__(self, "db_path", Path(self.db_path))
        for name in ("app_key", "app_secret", "service_id", "redirect_url", "widget_token_path"):
            if not getattr(self, name):
                raise SettingsError(f"{_variable(name)} is not set")
        for name in ("open_api_base", "auth_base", "authorize_url", "redirect_url"):
            if name == "authorize_url" and self.authorize_url.startswith("/"):
                continue
            if urlsplit(getattr(self, name)).scheme not in ("http", "https"):
                raise SettingsError(f"{_variable(name)} must be an http(s) URL, "
                                    f"not {getattr(self, name)[:100]!r}")
        if self.webhook_url is not None and urlsplit(self.webhook_url).scheme not in (
                "http", "https"):
            raise SettingsError(f"{_variable('webhook_url')} must be an http(s) URL, "
                                f"not {self.webhook_url[:100]!r}")
        if not self.webhook_path.startswith("/"):
            raise SettingsError(f"{_variable('webhook_path')} must be a path like /x/y")
        if min(self.event_heartbeat, self.event_streams_per_process,
               self.event_streams_per_session) < 1:
            raise SettingsError("event_heartbeat and the event stream limits must be 1 or more")
        if not self.widget_token_path.startswith("/"):
            raise SettingsError(f"{_variable('widget_token_path')} must be a path like /x/y")
        _check_encryption_key(self.encryption_key)
        if len(self.session_secret.encode()) < MIN_SESSION_SECRET_BYTES:
            raise SettingsError(f"{_variable('session_secret')} must be at least "
                                f"{MIN_SESSION_SECRET_BYTES} bytes")
        if self.session_secret == self.app_secret or self.session_secret in self.encryption_key:
            raise SettingsError(f"{_variable('session_secret')} must differ from the other secrets")
        if self.cookie_samesite not in SAME_SITE_VALUES:
            raise SettingsError(f"{_variable('cookie_samesite')} must be one of {SAME_SITE_VALUES}")
        if self.cookie_secure not in SECURE_VALUES:
            raise SettingsError(f"{_variable('cookie_secure')} must be one of {SECURE_VALUES}")
        if self.cookie_samesite == "none" and self.cookie_secure != "always":
            raise SettingsError("cookie_samesite none needs cookie_secure always: browsers drop "
                                "SameSite=None cookies that are not Secure")
        for name in ("token_limit_per_session", "token_limit_per_ip"):
            try:
                limits.parse(getattr(self, name))
            except ValueError:
                raise SettingsError(f"{_variable(name)} is not a rate like 30/minute") from None
        try:
            if self.public_origin is not None:
                object.__setattr__(self, "public_origin", web_origin(self.public_origin))
            object.__setattr__(self, "cors_origins",
                               tuple(web_origin(o) for o in self.cors_origins))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        if self.read_attempts < 1 or self.timeout <= 0:
            raise SettingsError("read_attempts must be 1 or more and timeout above 0")
        if self.refresh_interval < 0 or (
                self.refresh_interval and self.refresh_interval >= self.refresh_ahead
                - self.refresh_margin):
            raise SettingsError(
                f"{_variable('refresh_interval')} must be 0 (off) or shorter than "
                f"{_variable('refresh_ahead')} minus {_variable('refresh_margin')}, so that "
                "the refresher comes round before a page has to refresh a token itself")
        if self.redis_url is not None and urlsplit(self.redis_url).scheme not in REDIS_SCHEMES:
            raise SettingsError(f"{_variable('redis_url')} must be a Redis URL, like "
                                "redis://host:6379/0 (or rediss://, unix://)")
        try:
            self.database
        except ValueError as exc:
            raise SettingsError(f"{self.database_variable} {exc}") from None

    @property
    def database(self) -> URL:
        """The token store's database: ``database_url``, else the SQLite file ``db_path``."""
        return database_url(self.database_url if self.database_url else self.db_path)

    @property
    def database_variable(self) -> str:
        """The variable that names the database, for messages."""
        return _variable("database_url" if self.database_url else "db_path")

    @classmethod
    def from_environ(cls, environ=None, **overrides) -> "BackendSettings":
        """Settings from ``TIKTOKSHOP_*`` and ``REDIS_URL``; ``overrides`` win."""
        environ = os.environ if environ is None else environ
        values = {}
        for spec in fields(cls):
            variable = _variable(spec.name)
            if variable not in environ or spec.name in overrides:
                continue
            raw = environ[variable]
            try:
                values[spec.name] = _convert(spec.name, spec.type, raw)
            except ValueError:
                raise SettingsError(f"{variable}: {raw[:100]!r} is not a valid value") from None
        values.update(overrides)
        missing = [_variable(spec.name) for spec in fields(cls)
                   if spec.name not in values and spec.default is MISSING]
        if missing:
            raise SettingsError(f"not set: {', '.join(missing)}")
        return cls(**values)


def database_from_environ(environ=None) -> tuple[URL, str]:
    """The database and the variable naming it, from ``TIKTOKSHOP_DATABASE_URL`` or
    ``TIKTOKSHOP_DB_PATH`` alone: what ``migrate`` and ``rotate-keys`` need."""
    environ = os.environ if environ is None else environ
    raw = environ.get(_variable("database_url"), "").strip()
    variable = _variable("database_url" if raw else "db_path")
    try:
        return database_url(raw or Path(environ.get(variable) or DEFAULT_DB_PATH)), variable
    except ValueError as exc:
        raise SettingsError(f"{variable} {exc}") from None


def encryption_key_from_environ(environ=None) -> str:
    """``TIKTOKSHOP_ENCRYPTION_KEY`` alone, checked: what ``rotate-keys`` needs."""
    environ = os.environ if environ is None else environ
    keys = environ.get(_variable("encryption_key"), "")
    if not keys:
        raise SettingsError(f"not set: {_variable('encryption_key')}")
    _check_encryption_key(keys)
    return keys


def _check_encryption_key(keys: str) -> None:
    try:
        [Fernet(key.strip()) for key in keys.split(",")]
    except ValueError:
        raise SettingsError(f"{_variable('encryption_key')} must be Fernet keys (make one: "
                            "python -c 'from cryptography.fernet import Fernet; "
                            "print(Fernet.generate_key().decode())')") from None


def _variable(name: str) -> str:
    return "REDIS_URL" if name == "redis_url" else ENVIRONMENT_PREFIX + name.upper()


ENVIRONMENT_NAMES = tuple(_variable(spec.name) for spec in fields(BackendSettings))


def _convert(name: str, kind, raw: str):
    if kind in (bool, "bool"):
        if raw.strip().lower() in SWITCH_ON + SWITCH_OFF:
            return raw.strip().lower() in SWITCH_ON
        raise ValueError(raw)
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if name == "db_path":
        return Path(raw)
    if name == "cors_origins":
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if name in ("redis_url", "public_origin", "webhook_url", "database_url"):
        return raw.strip() or None
    return raw
