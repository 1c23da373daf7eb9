"""``python -m tiktokshop_backend``: the backend alone under uvicorn, configured by the environment.

    TIKTOKSHOP_APP_KEY=... TIKTOKSHOP_APP_SECRET=... python -m tiktokshop_backend --port 8080
    python -m tiktokshop_backend check [--code CODE]   # the same settings against TikTok (_check)

Settings come from ``TIKTOKSHOP_*`` and ``REDIS_URL`` (README.md, "Going
live"; ``--help`` lists them); a missing or bad one stops it with one line naming
the variable.
Behind a TLS proxy, pass ``--forwarded-allow-ips`` the proxy's address (or
set ``FORWARDED_ALLOW_IPS``) so that client IPs and the scheme are the proxy's word.
"""

import argparse
import logging
import sys
from dataclasses import MISSING, fields

import uvicorn

from ._app import create_app
from ._check import main as run_check_command
from ._listen import listening_socket, shown_address
from ._settings import ENVIRONMENT_NAMES, BackendSettings, SettingsError


CHECK_HELP = ("python -m tiktokshop_backend check [--code CODE]: these settings against "
              "TikTok,\ncall by call (check --help)")


def environment_help() -> str:
    """The variables it reads, from BackendSettings' own fields: required, secret, or the default."""
    lines = ["environment (README.md, \"Going live\"):"]
    for spec, variable in zip(fields(BackendSettings), ENVIRONMENT_NAMES):
        if spec.default is MISSING:
            what = "required" + (", secret" if not spec.repr else "")
        elif spec.default in (None, ()):
            what = "optional"
        else:
            what = f"default {spec.default}"
        lines.append(f"  {variable:<36} {what}")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        return run_check_command(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tiktokshop_backend",
                                     description="The TikTok Shop widgets backend.",
                                     epilog=CHECK_HELP + "\n\n" + environment_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 for any free port")
    parser.add_argument("--forwarded-allow-ips", default=None,
                        help="proxies trusted for X-Forwarded-For/-Proto (uvicorn's option; "
                        "default: FORWARDED_ALLOW_IPS, else loopback)")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    # The backend's own lines (retries, refreshes, TikTok's refusals and their likely
    # cause) next to uvicorn's; URLs in them carry no credentials (RedactCredentials on
    # httpx2's loggers; the callback's code and state never reach uvicorn's access log).
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s: %(name)s: %(message)s")
    try:
        settings = BackendSettings.from_environ()
    except SettingsError as exc:
        print(f"tiktokshop_backend: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    try:  # bound first, so that --port 0 can say which port the OS picked
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"tiktokshop_backend: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    print(f"Serving the backend at http://{shown_address(sock)}/", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, server_header=False,
                            forwarded_allow_ips=args.forwarded_allow_ips)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C: uvicorn shut down cleanly, then raised it again
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
