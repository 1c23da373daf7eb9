"""Settings of the development server, read from flags and environment.

    settings = Settings.from_args(["--port", "8000", "--reset"])
    app = create_app(settings)

Every flag has an environment variable (``DEVSERVER_<FLAG>``); a flag given on
the command line wins over the environment, which wins over the default.
The two secrets (``DEVSERVER_TOKEN_SECRET``, ``DEVSERVER_SESSION_SECRET``) come
from the environment or the data dir only, never from a flag: command lines
show up in ``ps``.
"""

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import limits

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The sandbox registers one ISV app; the demo page's config names the same key.
SANDBOX_APP_KEY = "6sandboxapp01"
SANDBOX_ISV_NAME = "PYSCRIPT_DEMO_ISV"

SAME_SITE_VALUES = ("lax", "strict", "none")
SECURE_VALUES = ("auto", "always", "never")
CDN_MODES = ("mirror", "live")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
CHOICES = {
    "--cdn": CDN_MODES,
    "--cookie-samesite": SAME_SITE_VALUES,
    "--cookie-secure": SECURE_VALUES,
    "--log-level": LOG_LEVELS,
}


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
    # Page origins the sandbox platform accepts besides the one it serves.
    allowed_origins: tuple[str, ...] = ()
    # Page origins, besides this server's, that may call the token endpoint with
    # the seller's session cookie (CORS with credentials).
    cors_origins: tuple[str, ...] = ()
    # The session cookie's SameSite: "lax" (the default) is sent on top-level
    # navigations and on requests from the same site (any port of the same host);
    # "none" lets pages on other sites use it and needs cookie_secure "always".
    cookie_samesite: str = "lax"
    # "auto": Secure when the request came over HTTPS (uvicorn sees the scheme
    # itself, or from X-Forwarded-Proto of a trusted proxy); "always", "never".
    cookie_secure: str = "auto"
    # Token requests allowed per seller session and per client IP ("N/second",
    # "N/minute", "N/hour"; see the limits library's notation).
    token_limit_per_session: str = "30/minute"
    token_limit_per_ip: str = "300/minute"
    app_key: str = SANDBOX_APP_KEY
    site_root: Path = PROJECT_ROOT
    node_modules: Path = PROJECT_ROOT / "node_modules"
    # Pyodide's own packages (micropip), downloaded by ./dev from pyodide-packages.txt.
    pyodide_packages: Path = PROJECT_ROOT / ".cache" / "pyodide-packages"
    log_level: str = "info"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sandbox.sqlite3"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "token-secret"

    @property
    def session_secret_path(self) -> Path:
        return self.data_dir / "session-secret"

    @classmethod
    def from_args(cls, argv=None, environ=None) -> "Settings":
        environ = os.environ if environ is None else environ
        parser = _parser(environ)
        args = parser.parse_args(argv)
        # argparse checks choices on the command line but not in defaults,
        # which is where the environment's values are.
        for flag, allowed in CHOICES.items():
            value = getattr(args, flag.removeprefix("--").replace("-", "_"))
            if value not in allowed:
                parser.error(f"{flag} (or its environment variable) must be one of "
                             f"{', '.join(allowed)}, not {value!r}")
        if args.cookie_samesite == "none" and args.cookie_secure != "always":
            parser.error("--cookie-samesite none needs --cookie-secure always: "
                         "browsers drop SameSite=None cookies that are not Secure")
        try:
            cors_origins = tuple(map(web_origin, args.cors_origin))
        except ValueError as exc:
            parser.error(f"--cors-origin: {exc}")
        return cls(
            host=args.host,
            port=args.port,
            data_dir=Path(args.data_dir).resolve(),
            reset=args.reset,
            cdn=args.cdn,
            token_ttl=args.token_ttl,
            allowed_origins=tuple(o.rstrip("/") for o in args.allow_origin),
            cors_origins=cors_origins,
            cookie_samesite=args.cookie_samesite,
            cookie_secure=args.cookie_secure,
            token_limit_per_session=args.token_limit_per_session,
            token_limit_per_ip=args.token_limit_per_ip,
            log_level=args.log_level,
        )


def web_origin(value: str) -> str:
    """``scheme://host[:port]`` as browsers send it in the Origin header.

    ``web_origin("HTTPS://App.Example:443/")`` is ``"https://app.example"``;
    anything with a path, query, user or other scheme raises ValueError.
    """
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        parts = port = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(f"{value!r} is not an origin like https://app.example")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = 80 if parts.scheme == "http" else 443
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default_port) else "")


def _rate(value: str) -> str:
    try:
        limits.parse(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a rate like 30/minute") from None
    return value


def _parser(environ) -> argparse.ArgumentParser:
    def env(name, default):
        return environ.get("DEVSERVER_" + name, default)

    def env_list(name):
        return [item for item in env(name, "").split(",") if item]

    parser = argparse.ArgumentParser(
        prog="serve.py",
        description="Serve the demo site, its CDN mirror, the token endpoint "
        "and the sandbox TikTok Shop widget platform.",
        epilog="Secrets: DEVSERVER_TOKEN_SECRET signs widget tokens and "
        "DEVSERVER_SESSION_SECRET signs seller session cookies (two different values); "
        "without them each is made at first start in the data dir, readable by you only.",
    )
    parser.add_argument("--host", default=env("HOST", Settings.host),
                        help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=int(env("PORT", Settings.port)),
                        help="port to bind, 0 for any free one (default: %(default)s)")
    parser.add_argument("--data-dir", default=env("DATA_DIR", str(Settings.data_dir)),
                        help="where the sandbox database and the secrets live "
                        "(default: %(default)s)")
    parser.add_argument("--reset", action="store_true",
                        default=env("RESET", "") not in ("", "0", "false"),
                        help="delete the sandbox data and seed it again")
    parser.add_argument("--cdn", choices=CDN_MODES, default=env("CDN", Settings.cdn),
                        help="mirror: pages load jsDelivr assets from the local npm copies "
                        "(works offline); live: pages are served untouched (default: %(default)s)")
    parser.add_argument("--token-ttl", type=int, default=int(env("TOKEN_TTL", Settings.token_ttl)),
                        help="lifetime of sandbox widget tokens in seconds (default: %(default)s)")
    parser.add_argument("--allow-origin", action="append", default=env_list("ALLOW_ORIGINS"),
                        help="another page origin the sandbox platform accepts (repeatable; "
                        "env DEVSERVER_ALLOW_ORIGINS, comma-separated)")
    parser.add_argument("--cors-origin", action="append", default=env_list("CORS_ORIGINS"),
                        help="another page origin that may call the token endpoint with the "
                        "seller's session cookie, e.g. https://app.example (repeatable; "
                        "env DEVSERVER_CORS_ORIGINS, comma-separated). A page there also "
                        "needs --allow-origin for the sandbox platform")
    parser.add_argument("--cookie-samesite", choices=SAME_SITE_VALUES,
                        default=env("COOKIE_SAMESITE", Settings.cookie_samesite),
                        help="SameSite of the seller session cookie: lax sends it on navigations "
                        "here and from pages on the same site (any port of this host); none "
                        "from any site, and needs --cookie-secure always (default: %(default)s)")
    parser.add_argument("--cookie-secure", choices=SECURE_VALUES,
                        default=env("COOKIE_SECURE", Settings.cookie_secure),
                        help="Secure flag of the session cookie: auto sets it on requests that "
                        "came over HTTPS, including through a trusted proxy's "
                        "X-Forwarded-Proto (default: %(default)s)")
    parser.add_argument("--token-limit-per-session", type=_rate,
                        default=env("TOKEN_LIMIT_PER_SESSION", Settings.token_limit_per_session),
                        help="token requests allowed per seller session (default: %(default)s)")
    parser.add_argument("--token-limit-per-ip", type=_rate,
                        default=env("TOKEN_LIMIT_PER_IP", Settings.token_limit_per_ip),
                        help="token requests allowed per client IP (default: %(default)s)")
    parser.add_argument("--log-level", default=env("LOG_LEVEL", Settings.log_level),
                        choices=LOG_LEVELS)
    return parser
