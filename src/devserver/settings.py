"""Settings of the development server, read from flags and environment.

    settings = Settings.from_args(["--port", "8000", "--reset"])
    app = create_app(settings)

Every flag has an environment variable (``DEVSERVER_<FLAG>``); a flag given on
the command line wins over the environment, which wins over the default.
"""

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The sandbox registers one ISV app; the demo page's config names the same key.
SANDBOX_APP_KEY = "6sandboxapp01"
SANDBOX_ISV_NAME = "PYSCRIPT_DEMO_ISV"


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

    @classmethod
    def from_args(cls, argv=None, environ=None) -> "Settings":
        environ = os.environ if environ is None else environ
        args = _parser(environ).parse_args(argv)
        return cls(
            host=args.host,
            port=args.port,
            data_dir=Path(args.data_dir).resolve(),
            reset=args.reset,
            cdn=args.cdn,
            token_ttl=args.token_ttl,
            allowed_origins=tuple(o.rstrip("/") for o in args.allow_origin),
            log_level=args.log_level,
        )


def _parser(environ) -> argparse.ArgumentParser:
    def env(name, default):
        return environ.get("DEVSERVER_" + name, default)

    parser = argparse.ArgumentParser(
        prog="serve.py",
        description="Serve the demo site, its CDN mirror, the token endpoint "
        "and the sandbox TikTok Shop widget platform.",
    )
    parser.add_argument("--host", default=env("HOST", Settings.host),
                        help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=int(env("PORT", Settings.port)),
                        help="port to bind, 0 for any free one (default: %(default)s)")
    parser.add_argument("--data-dir", default=env("DATA_DIR", str(Settings.data_dir)),
                        help="where the sandbox database and the token secret live "
                        "(default: %(default)s)")
    parser.add_argument("--reset", action="store_true",
                        default=env("RESET", "") not in ("", "0", "false"),
                        help="delete the sandbox data and seed it again")
    parser.add_argument("--cdn", choices=("mirror", "live"), default=env("CDN", Settings.cdn),
                        help="mirror: pages load jsDelivr assets from the local npm copies "
                        "(works offline); live: pages are served untouched (default: %(default)s)")
    parser.add_argument("--token-ttl", type=int, default=int(env("TOKEN_TTL", Settings.token_ttl)),
                        help="lifetime of sandbox widget tokens in seconds (default: %(default)s)")
    parser.add_argument("--allow-origin", action="append",
                        default=[o for o in env("ALLOW_ORIGINS", "").split(",") if o],
                        help="another page origin the sandbox platform accepts (repeatable)")
    parser.add_argument("--log-level", default=env("LOG_LEVEL", Settings.log_level),
                        choices=("critical", "error", "warning", "info", "debug"))
    return parser
