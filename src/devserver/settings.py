"""Settings of the development server, read from flags and environment.

    settings = Settings.from_args(["--port", "8000", "--reset"])
    app = create_app(settings)

Every flag has an environment variable (``DEVSERVER_<FLAG>``); a flag given on
the command line wins over the environment, which wins over the default.
The environment's values are checked as the flags' are: a bad one stops the
server with one line naming the variable. A switch (``DEVSERVER_RESET``) is on
with 1, true, yes or on and off with 0, false, no, off or nothing, in any case.
The three secrets (``DEVSERVER_TOKEN_SECRET``: the sandbox's widget-token
secret; ``DEVSERVER_SESSION_SECRET`` and ``DEVSERVER_ENCRYPTION_SECRET``: the
backend's session cookie and token encryption) come from the environment or the
data dir only, never from a flag: command lines show up in ``ps``. The backend's
and the sandbox's own settings are composed here (``backend_settings``,
``sandbox_settings``); ``REDIS_URL`` gives the backend a Redis.
"""

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import base64
import hashlib

import limits
from tiktokshop_backend import CALLBACK_PATH, DEFAULT_WEBHOOK_PATH, BackendSettings, web_origin
from tiktokshop_sandbox import (
    AUTH_MOUNT,
    AUTHORIZE_PATH,
    OPEN_API_MOUNT,
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_SERVICE_ID,
    WIDGET_TOKEN_PATH,
    SandboxSettings,
    SecretUnfit,
    load_or_create_secret,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The sandbox registers one ISV app (SANDBOX_APP_KEY); the demo page's config names the same key.
SANDBOX_ISV_NAME = "PYSCRIPT_DEMO_ISV"
SANDBOX_MOUNT = "/sandbox"
TOKEN_SECRET_ENV = "DEVSERVER_TOKEN_SECRET"
SESSION_SECRET_ENV = "DEVSERVER_SESSION_SECRET"
ENCRYPTION_SECRET_ENV = "DEVSERVER_ENCRYPTION_SECRET"

SAME_SITE_VALUES = ("lax", "strict", "none")
SECURE_VALUES = ("auto", "always", "never")
CDN_MODES = ("mirror", "live")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# How the environment says yes or no to a switch such as DEVSERVER_RESET.
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")
MAX_PORT = 65535


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = PROJECT_ROOT / ".data"
    reset: bool = False
    # "mirror": pages served here load jsDelivr assets from the local npm copies;
    # "live": pages are served untouched and the browser goes to jsDelivr.
    cdn: str = "mirror"
    token_ttl: int = 300
    # The origin pages of this server are served from, as browsers see it
    # (https://app.example behind a TLS proxy, say). When set, the backend takes
    # it as its own origin and refuses requests for any other host, instead of
    # trusting the Host header (see tiktokshop_backend's endpoints).
    public_origin: str | None = None
    # Page origins the sandbox platform accepts besides the one it serves.
    allowed_origins: tuple[str, ...] = ()
    # Page origins, besides this server's, that may call the backend with the
    # seller's session cookie (CORS with credentials).
    cors_origins: tuple[str, ...] = ()
    # The session cookie's SameSite: "lax" (the default) is sent on top-level
    # navigations and on requests from the same site (any port of the same host);
    # "none" lets pages on other sites use it and needs cookie_secure "always".
    cookie_samesite: str = "lax"
    # "auto": Secure when the request came over HTTPS (uvicorn sees the scheme
    # itself, or from X-Forwarded-Proto of a trusted proxy); "always", "never".
    cookie_secure: str = "auto"
    # Backend requests allowed per seller session and per client IP ("N/second",
    # "N/minute", "N/hour"; see the limits library's notation).
    token_limit_per_session: str = "30/minute"
    token_limit_per_ip: str = "300/minute"
    app_key: str = SANDBOX_APP_KEY
    site_root: Path = PROJECT_ROOT
    # A developer's own PyScript app folder, served at / in front of the site.
    app_dir: Path | None = None
    node_modules: Path = PROJECT_ROOT / "node_modules"
    # Pyodide's own packages (micropip), downloaded by ./dev from pyodide-packages.txt.
    pyodide_packages: Path = PROJECT_ROOT / ".cache" / "pyodide-packages"
    log_level: str = "info"
    # Shared state of the backend (limits, caches, locks); None: in this process.
    redis_url: str | None = None

    @property
    def backend_db_path(self) -> Path:
        return self.data_dir / "backend.sqlite3"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "token-secret"

    @property
    def session_secret_path(self) -> Path:
        return self.data_dir / "session-secret"

    @property
    def encryption_secret_path(self) -> Path:
        return self.data_dir / "encryption-secret"

    @property
    def origin(self) -> str:
        """Where the backend finds the mounted sandbox: the public origin, else this server."""
        if self.public_origin:
            return self.public_origin
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = "[::1]" if host == "::" else f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_args(cls, argv=None, environ=None) -> "Settings":
        environ = os.environ if environ is None else environ
        parser = _parser(environ)
        args = parser.parse_args(argv)
        if args.cookie_samesite == "none" and args.cookie_secure != "always":
            parser.error("--cookie-samesite none needs --cookie-secure always: "
                         "browsers drop SameSite=None cookies that are not Secure")
        return cls(
            host=args.host,
            port=args.port,
            data_dir=Path(args.data_dir).resolve(),
            reset=args.reset,
            cdn=args.cdn,
            token_ttl=args.token_ttl,
            public_origin=args.public_origin,
            allowed_origins=tuple(args.allow_origin),
            cors_origins=tuple(args.cors_origin),
            cookie_samesite=args.cookie_samesite,
            cookie_secure=args.cookie_secure,
            token_limit_per_session=args.token_limit_per_session,
            token_limit_per_ip=args.token_limit_per_ip,
            log_level=args.log_level,
            redis_url=environ.get("REDIS_URL") or None,
            app_dir=args.app,
        )


def sandbox_settings(settings: Settings, platform_secret: bytes) -> SandboxSettings:
    """The sandbox's own settings, from the dev server's: controls on (a dev server)."""
    return SandboxSettings(
        data_dir=settings.data_dir,
        reset=settings.reset,
        app_key=settings.app_key,
        # Relative without a public origin: the browser stays on the host it came by.
        redirect_url=(settings.public_origin or "") + CALLBACK_PATH,
        widget_token_ttl=settings.token_ttl,
        allowed_origins=settings.allowed_origins,
        platform_secret=platform_secret,
        controls=True,
    )


def backend_settings(settings: Settings, token_secret: bytes, environ=None) -> BackendSettings:
    """The backend's settings, from the dev server's: the sandbox's app registration, the
    mounted sandbox's URLs, and its two secrets (environment, else made in the data dir),
    which must differ from each other and from the sandbox's ``token_secret``."""
    environ = os.environ if environ is None else environ
    session_secret = load_or_create_secret(settings.session_secret_path, environ,
                                           SESSION_SECRET_ENV)
    encryption_secret = load_or_create_secret(settings.encryption_secret_path, environ,
                                              ENCRYPTION_SECRET_ENV)
    if len({token_secret, session_secret, encryption_secret}) < 3:
        raise SecretUnfit(f"{TOKEN_SECRET_ENV}, {SESSION_SECRET_ENV} and "
                          f"{ENCRYPTION_SECRET_ENV} (or their files in {settings.data_dir}) "
                          "must differ from the token secret and from each other")
    sandbox = settings.origin + SANDBOX_MOUNT
    return BackendSettings(
        app_key=settings.app_key,
        app_secret=SANDBOX_APP_SECRET,
        service_id=SANDBOX_SERVICE_ID,
        redirect_url=settings.origin + CALLBACK_PATH,
        # The sandbox posts the shops' events to the backend here, as TikTok would.
        webhook_url=settings.origin + DEFAULT_WEBHOOK_PATH,
        # A Fernet key is 32 bytes in urlsafe base64: derived from the random secret.
        encryption_key=base64.urlsafe_b64encode(hashlib.sha256(encryption_secret).digest()
                                                ).decode(),
        session_secret=session_secret.decode(),
        widget_token_path=WIDGET_TOKEN_PATH,
        db_path=settings.backend_db_path,
        redis_url=settings.redis_url,
        open_api_base=sandbox + OPEN_API_MOUNT,
        auth_base=sandbox + AUTH_MOUNT,
        authorize_url=(settings.public_origin or "") + SANDBOX_MOUNT + AUTHORIZE_PATH,
        public_origin=settings.public_origin,
        cors_origins=settings.cors_origins,
        cookie_samesite=settings.cookie_samesite,
        cookie_secure=settings.cookie_secure,
        token_limit_per_session=settings.token_limit_per_session,
        token_limit_per_ip=settings.token_limit_per_ip,
    )


def _one_of(allowed: tuple[str, ...]):
    """An argparse type that takes exactly the ``allowed`` words."""
    def choice(value: str) -> str:
        if value not in allowed:
            raise argparse.ArgumentTypeError(
                f"must be one of {', '.join(allowed)}, not {value[:100]!r}")
        return value
    return choice


def _app_folder(value: str) -> Path:
    folder = Path(value).expanduser().resolve()
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a folder")
    return folder


def _port(value: str) -> int:
    if not (value.strip().isdecimal() and int(value) <= MAX_PORT):
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0 to {MAX_PORT})")
    return int(value)


def _seconds(value: str) -> int:
    if not (value.strip().isdecimal() and int(value) > 0):
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of seconds above 0")
    return int(value)


def _switch(value: str) -> bool:
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither on ({'/'.join(TRUE_WORDS)}) "
            f"nor off ({'/'.join(FALSE_WORDS[1:])} or empty)")
    return word in TRUE_WORDS


def _origin(value: str) -> str:
    try:
        return web_origin(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rate(value: str) -> str:
    try:
        limits.parse(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a rate like 30/minute") from None
    return value


def _parser(environ) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="serve.py",
        description="Serve the demo site, its CDN mirror, the ISV backend "
        "and the sandbox TikTok Shop (widget platform, OAuth, Open API).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    variables: dict[str, str] = {}  # DEVSERVER_<NAME> -> its option, as env() is asked

    def env(name, default, convert=str):
        """DEVSERVER_<name>, read as its flag's value would be. A bad one stops
        the server, even if a flag overrides it, with one line naming the
        variable: it may have been set far from this command line, so no usage."""
        variable = "DEVSERVER_" + name
        variables[variable] = "--" + name.lower().replace("_", "-")
        if variable not in environ:
            return default
        try:
            return convert(environ[variable])
        except argparse.ArgumentTypeError as exc:
            parser.exit(2, f"{parser.prog}: error: {variable}: {exc}\n")

    def env_list(name, option, convert):
        values = env(name, [], lambda value: [convert(item) for item in value.split(",") if item])
        variables["DEVSERVER_" + name] = option + ", comma-separated"
        return values

    parser.add_argument("--app", type=_app_folder, metavar="FOLDER",
                        help="serve this PyScript app folder at / (its index.html) instead of "
                        "the demo, with the CDN mirror, the token endpoint and the sandbox; "
                        "the demo's assets and the library's packages stay reachable behind it")
    parser.add_argument("--export", metavar="OUT",  # cli.py hands it to devserver.export
                        help="write the app (the demo, or --app's) to OUT as a static site "
                        "instead of serving it; its options: python -m devserver.export --help")
    parser.add_argument("--host", default=env("HOST", Settings.host),
                        help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=env("PORT", Settings.port, _port),
                        help="port to bind, 0 for any free one (default: %(default)s)")
    parser.add_argument("--data-dir", default=env("DATA_DIR", str(Settings.data_dir)),
                        help="where the sandbox database and the secrets live "
                        "(default: %(default)s)")
    parser.add_argument("--reset", action="store_true",
                        default=env("RESET", Settings.reset, _switch),
                        help="delete the sandbox data and seed it again (env DEVSERVER_RESET: "
                        f"{'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS[1:])})")
    parser.add_argument("--cdn", choices=CDN_MODES,
                        default=env("CDN", Settings.cdn, _one_of(CDN_MODES)),
                        help="mirror: pages load jsDelivr assets from the local npm copies "
                        "(works offline); live: pages are served untouched (default: %(default)s)")
    parser.add_argument("--token-ttl", type=_seconds,
                        default=env("TOKEN_TTL", Settings.token_ttl, _seconds),
                        help="lifetime of sandbox widget tokens in seconds (default: %(default)s)")
    parser.add_argument("--public-origin", type=_origin,
                        default=env("PUBLIC_ORIGIN", Settings.public_origin,
                                    lambda value: _origin(value) if value.strip() else None),
                        help="the origin browsers load this server's pages from, e.g. "
                        "https://app.example behind a TLS proxy: the token endpoint then takes "
                        "it as its own and refuses requests for other hosts, instead of "
                        "trusting the Host header (default: none)")
    parser.add_argument("--allow-origin", action="append", type=_origin,
                        default=env_list("ALLOW_ORIGINS", "--allow-origin", _origin),
                        help="another page origin the sandbox platform accepts (repeatable; "
                        "env DEVSERVER_ALLOW_ORIGINS, comma-separated)")
    parser.add_argument("--cors-origin", action="append", type=_origin,
                        default=env_list("CORS_ORIGINS", "--cors-origin", _origin),
                        help="another page origin that may call the token endpoint with the "
                        "seller's session cookie, e.g. https://app.example (repeatable; "
                        "env DEVSERVER_CORS_ORIGINS, comma-separated). A page there also "
                        "needs --allow-origin for the sandbox platform")
    parser.add_argument("--cookie-samesite", choices=SAME_SITE_VALUES,
                        default=env("COOKIE_SAMESITE", Settings.cookie_samesite,
                                    _one_of(SAME_SITE_VALUES)),
                        help="SameSite of the seller session cookie: lax sends it on navigations "
                        "here and from pages on the same site (any port of this host); none "
                        "from any site, and needs --cookie-secure always (default: %(default)s)")
    parser.add_argument("--cookie-secure", choices=SECURE_VALUES,
                        default=env("COOKIE_SECURE", Settings.cookie_secure,
                                    _one_of(SECURE_VALUES)),
                        help="Secure flag of the session cookie: auto sets it on requests that "
                        "came over HTTPS, including through a trusted proxy's "
                        "X-Forwarded-Proto (default: %(default)s)")
    parser.add_argument("--token-limit-per-session", type=_rate,
                        default=env("TOKEN_LIMIT_PER_SESSION", Settings.token_limit_per_session,
                                    _rate),
                        help="token requests allowed per seller session (default: %(default)s)")
    parser.add_argument("--token-limit-per-ip", type=_rate,
                        default=env("TOKEN_LIMIT_PER_IP", Settings.token_limit_per_ip, _rate),
                        help="token requests allowed per client IP (default: %(default)s)")
    parser.add_argument("--log-level", choices=LOG_LEVELS,
                        default=env("LOG_LEVEL", Settings.log_level, _one_of(LOG_LEVELS)),
                        help="uvicorn's log level (default: %(default)s)")
    parser.epilog = "\n".join([
        "environment (each read as its option's value; the option wins):",
        *(f"  {variable:<34} {option}" for variable, option in variables.items()),
        f"  {TOKEN_SECRET_ENV:<34} signs the sandbox's widget tokens",
        f"  {SESSION_SECRET_ENV:<34} signs the backend's seller session cookies",
        f"  {ENCRYPTION_SECRET_ENV:<34} keys the backend's token encryption",
        "    (three different values; without them each is made at first start in the",
        "    data dir, readable by you only; never a flag: command lines show in ps)",
        f"  {'REDIS_URL':<34} the backend's shared state in Redis (default: this process)"])
    return parser
