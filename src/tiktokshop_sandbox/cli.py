"""``python -m tiktokshop_sandbox``: TikTok Shop's side alone, for testing your own backend.

    python -m tiktokshop_sandbox --port 9000 --redirect-url http://127.0.0.1:8080/auth/tiktok/callback \\
        --webhook-url http://127.0.0.1:8080/webhooks/tiktok
    # prints the TIKTOKSHOP_* settings that point a backend at it, then serves

Like Stripe's or Shopify's local tools: the sandbox (widget platform, authorize
page, auth host, signed Open API with the Event API, webhook delivery, controls)
under ``/sandbox`` of its own server, registering one app with the key, secret,
service id, redirect URL and webhook address you choose. Every option has an
environment variable, ``TIKTOKSHOP_SANDBOX_<OPTION>``; the app secret has only
that (``TIKTOKSHOP_SANDBOX_APP_SECRET``: a secret on a command line shows in
``ps``). A bad value stops it with one line naming the option or variable.
The settings it prints never show a secret you chose: the app secret line
reads it from your variable; ``--env-file`` writes them whole, for your
backend's environment, to a file only you can read.
"""

import argparse
import logging
import os
import re
import shlex
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from tiktokshop_protocol import redact_query

from .app import create_app
from .auth import AUTH_MOUNT, AUTHORIZE_PATH
from .events import BadAddress, check_address
from .open_api import OPEN_API_MOUNT, WIDGET_TOKEN_PATH
from .settings import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, SANDBOX_SERVICE_ID, SandboxSettings

PROG = "python -m tiktokshop_sandbox"
ENV_PREFIX = "TIKTOKSHOP_SANDBOX_"
SECRET_VARIABLE = ENV_PREFIX + "APP_SECRET"
MOUNT = "/sandbox"
DEFAULT_PORT = 9000
# Where python -m tiktokshop_backend listens by default, and its OAuth callback.
DEFAULT_REDIRECT_URL = "http://127.0.0.1:8080/auth/tiktok/callback"
SWITCH_VALUES = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False}
MIN_SECRET_LENGTH = 16
_STATE_VALUE = re.compile(r"(?P<name>[?&]state=)[^&#\s\"]*")


def main(argv=None, environ=None) -> int:
    environ = os.environ if environ is None else environ
    args = _parser(environ).parse_args(argv)
    secret = environ.get(SECRET_VARIABLE) or SANDBOX_APP_SECRET
    if len(secret) < MIN_SECRET_LENGTH:
        return _stop(f"{SECRET_VARIABLE} must be at least {MIN_SECRET_LENGTH} characters")
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s: %(name)s: %(message)s")
    # The webhook sender logs each delivery itself, without the address's query (which
    # may hold a token of the ISV's); httpx's own request lines would carry it whole.
    logging.getLogger("httpx2").setLevel(max(logging.WARNING, logging.getLogger().level))
    settings = SandboxSettings(
        data_dir=Path(args.data_dir), reset=args.reset, app_key=args.app_key, app_secret=secret,
        service_id=args.service_id, redirect_url=args.redirect_url,
        webhook_url=args.webhook_url, allowed_origins=tuple(args.allow_origin),
        controls=args.controls)
    try:
        sandbox = create_app(settings)
    except (OSError, ValueError) as exc:  # an unwritable data dir, an unfit secret file
        return _stop(str(exc))
    app = Starlette(routes=[Mount(MOUNT, app=sandbox)],
                    lifespan=sandbox.router.lifespan_context)
    try:  # bound first, so that --port 0 can say which port the OS picked
        sock = _listening_socket(args.host, args.port)
    except OSError as exc:
        return _stop(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    base = (args.public_url or f"http://{shown}").rstrip("/") + MOUNT
    print(f"Serving the TikTok Shop sandbox at {base}/", flush=True)
    print(_instructions(settings, base, secret_given=secret != SANDBOX_APP_SECRET), flush=True)
    if args.env_file:
        _write_env_file(Path(args.env_file), backend_environment(settings, base))
        print(f"(written with the secret to {args.env_file}, readable by you only)", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, server_header=False)
    logging.getLogger("uvicorn.access").addFilter(RedactCredentials())  # after Config
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def backend_environment(settings: SandboxSettings, base: str) -> dict[str, str]:
    """The TIKTOKSHOP_* settings of a backend talking to this sandbox at ``base``."""
    return {
        "TIKTOKSHOP_APP_KEY": settings.app_key,
        "TIKTOKSHOP_APP_SECRET": settings.app_secret,
        "TIKTOKSHOP_SERVICE_ID": settings.service_id,
        "TIKTOKSHOP_REDIRECT_URL": settings.redirect_url,
        "TIKTOKSHOP_OPEN_API_BASE": base + OPEN_API_MOUNT,
        "TIKTOKSHOP_AUTH_BASE": base + AUTH_MOUNT,
        "TIKTOKSHOP_AUTHORIZE_URL": base + AUTHORIZE_PATH,
        "TIKTOKSHOP_WIDGET_TOKEN_PATH": WIDGET_TOKEN_PATH,
        # The backend subscribes its sellers' shops to the address the sandbox delivers to.
        **({"TIKTOKSHOP_WEBHOOK_URL": settings.webhook_url} if settings.webhook_url else {}),
    }


def _instructions(settings: SandboxSettings, base: str, secret_given: bool) -> str:
    lines = []
    for name, value in backend_environment(settings, base).items():
        if name == "TIKTOKSHOP_APP_SECRET" and secret_given:
            lines.append(f'{name}="${SECRET_VARIABLE}"')
        else:
            lines.append(f"{name}={shlex.quote(value)}")
    webhooks = (f"Webhooks go to {settings.webhook_url} (and wherever the Event API "
                "subscribes a shop)." if settings.webhook_url else
                "Webhooks go wherever the Event API subscribes a shop (--webhook-url: "
                "an address for every shop).")
    controls = (f"Controls (clock, new return requests, revocation, webhook faults): "
                f"{base}/control" if settings.controls else "Controls are off.")
    return ("Point your backend at it with these settings, plus its own "
            "TIKTOKSHOP_ENCRYPTION_KEY and TIKTOKSHOP_SESSION_SECRET:\n"
            + "\n".join(lines) + f"\n{webhooks}\n{controls}")


def _write_env_file(path: Path, variables: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{name}={shlex.quote(value)}\n" for name, value in variables.items())
    os.replace(draft, path)


class RedactCredentials(logging.Filter):
    """The auth host takes the app secret, codes and refresh tokens in its query string,
    and the authorize page the app's OAuth state: mask them in the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        return True


def _redacted(text: str) -> str:
    return _STATE_VALUE.sub(lambda match: match.group("name") + "***", redact_query(text))


def _listening_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _stop(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2


def _parser(environ) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="TikTok Shop's side alone (widget platform, authorize page, auth host, "
        "signed Open API, webhooks), for testing your own backend against it.",
        epilog=f"Every option also reads {ENV_PREFIX}<OPTION> (--data-dir: "
        f"{ENV_PREFIX}DATA_DIR; switches take 1/true/yes/on or 0/false/no/off; "
        f"{ENV_PREFIX}ALLOW_ORIGIN is comma-separated). The app secret comes only from "
        f"{SECRET_VARIABLE} (default: the public development secret of open-api.md's "
        "examples).")

    def env(name, default, convert=str):
        """TIKTOKSHOP_SANDBOX_<name>, read as its option's value would be; a bad one
        stops it with one line naming the variable."""
        variable = ENV_PREFIX + name
        if variable not in environ:
            return default
        try:
            return convert(environ[variable])
        except (argparse.ArgumentTypeError, ValueError) as exc:
            parser.exit(2, f"{PROG}: error: {variable}: {exc}\n")

    parser.add_argument("--host", default=env("HOST", "127.0.0.1"),
                        help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=env("PORT", DEFAULT_PORT, _port),
                        help="port to bind, 0 for any free one (default: %(default)s)")
    parser.add_argument("--public-url", type=_url, default=env("PUBLIC_URL", None, _url),
                        help="the URL your backend reaches this server at, if not "
                        "http://<host>:<port> (a proxy, a container name)")
    parser.add_argument("--data-dir", default=env("DATA_DIR", "tiktokshop-sandbox-data"),
                        help="where its SQLite database and widget-token secret live "
                        "(default: %(default)s)")
    parser.add_argument("--reset", action=argparse.BooleanOptionalAction,
                        default=env("RESET", False, _switch),
                        help="forget every authorization, return and webhook, and seed anew")
    parser.add_argument("--app-key", type=_word, default=env("APP_KEY", SANDBOX_APP_KEY, _word),
                        help="your app's key (default: %(default)s)")
    parser.add_argument("--service-id", type=_word,
                        default=env("SERVICE_ID", SANDBOX_SERVICE_ID, _word),
                        help="your app's service id, which the authorize link names "
                        "(default: %(default)s)")
    parser.add_argument("--redirect-url", type=_url,
                        default=env("REDIRECT_URL", DEFAULT_REDIRECT_URL, _url),
                        help="your registered OAuth redirect: your backend's "
                        "/auth/tiktok/callback (default: %(default)s)")
    parser.add_argument("--webhook-url", type=_webhook_url,
                        default=env("WEBHOOK_URL", None, _webhook_url),
                        help="your app's webhook address, for every shop's events "
                        "(https, or http to this machine); the Event API can set one per shop")
    parser.add_argument("--allow-origin", type=_origin, action="append",
                        default=env("ALLOW_ORIGIN", [], lambda value: [
                            _origin(item) for item in value.split(",") if item]),
                        help="a page origin the widget platform accepts besides this "
                        "server's own (repeatable)")
    parser.add_argument("--controls", action=argparse.BooleanOptionalAction,
                        default=env("CONTROLS", True, _switch),
                        help="serve /sandbox/control (clock, returns, revocation, webhook "
                        "faults) (default: on)")
    parser.add_argument("--log-level", default=env("LOG_LEVEL", "info"),
                        choices=("critical", "error", "warning", "info", "debug"))
    parser.add_argument("--env-file", default=env("ENV_FILE", None),
                        help="also write the backend's TIKTOKSHOP_* settings, secret "
                        "included, to this file (mode 0600)")
    return parser


def _port(value: str) -> int:
    if not (value.isdecimal() and 0 <= int(value) <= 65535):
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0 to 65535)")
    return int(value)


def _switch(value: str) -> bool:
    if value.strip().lower() not in SWITCH_VALUES:
        raise argparse.ArgumentTypeError(f"{value!r} is not one of 1/true/yes/on, 0/false/no/off")
    return SWITCH_VALUES[value.strip().lower()]


def _word(value: str) -> str:
    if not value or len(value) > 64 or not value.isprintable() or " " in value:
        raise argparse.ArgumentTypeError(f"{value[:64]!r} must be 1 to 64 characters, no spaces")
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{value[:100]!r} is not an http(s) URL")
    return value


def _origin(value: str) -> str:
    parts = urlsplit(_url(value))
    if parts.path not in ("", "/") or parts.query:
        raise argparse.ArgumentTypeError(f"{value[:100]!r} is not an origin like "
                                         "https://app.example")
    return f"{parts.scheme}://{parts.netloc}"


def _webhook_url(value: str) -> str:
    try:
        return check_address(value)
    except BadAddress as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
