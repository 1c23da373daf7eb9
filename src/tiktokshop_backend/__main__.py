"""``python -m tiktokshop_backend``: the backend alone under uvicorn, configured by the environment.

    TIKTOKSHOP_APP_KEY=... TIKTOKSHOP_APP_SECRET=... python -m tiktokshop_backend --port 8080
    python -m tiktokshop_backend migrate        # the database's schema to this version's
    python -m tiktokshop_backend rotate-keys    # every token under the encryption key's first key
    python -m tiktokshop_backend check [--code CODE]   # these settings against TikTok (_check)

Settings come from ``TIKTOKSHOP_*`` and ``REDIS_URL`` (README.md, "Going
live"; ``--help`` lists them); a missing or bad one, or a database or Redis that
does not answer, stops it with one line naming the variable. ``migrate`` reads
only ``TIKTOKSHOP_DATABASE_URL`` (or ``TIKTOKSHOP_DB_PATH``), ``rotate-keys`` that
and ``TIKTOKSHOP_ENCRYPTION_KEY``; both may run while backends serve, and
again. Behind a TLS proxy, pass ``--forwarded-allow-ips`` the proxy's address
(or set ``FORWARDED_ALLOW_IPS``) so that client IPs and the scheme are the proxy's word.
"""

import argparse
import asyncio
import logging
import sys

from contextlib import contextmanager
from dataclasses import MISSING, fields

import uvicorn
from sqlalchemy.exc import DBAPIError

from . import _check
from ._app import create_app
from ._database import shown
from ._listen import listening_socket, shown_address
from ._settings import (
    ENVIRONMENT_NAMES,
    BackendSettings,
    SettingsError,
    database_from_environ,
    encryption_key_from_environ,
)
from ._store import ROTATION_BATCH, SchemaNotCurrent, StoreUnavailable, TokenCipher, TokenStore

PROG = "tiktokshop_backend"


def environment_help() -> str:
    """The variables it reads, from BackendSettings' own fields: required, secret, or the default."""
    lines = ["environment (README.md, \"Going live\"):"]
    for spec, variable in zip(fields(BackendSettings), ENVIRONMENT_NAMES):
        if spec.default is MISSING:
            what = "required" + (", secret" if not spec.repr else "")
        elif spec.default in (None, ()):
            what = "optional" + (", secret" if not spec.repr else "")
        else:
            what = f"default {spec.default}"
        lines.append(f"  {variable:<36} {what}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tiktokshop_backend",
                                     description="The TikTok Shop widgets backend.",
                                     epilog=environment_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 for any free port")
    parser.add_argument("--forwarded-allow-ips", default=None,
                        help="proxies trusted for X-Forwarded-For/-Proto (uvicorn's option; "
                        "default: FORWARDED_ALLOW_IPS, else loopback)")
    parser.add_argument("--log-level", default="info")
    commands = parser.add_subparsers(dest="command", title="commands (default: serve)")
    commands.add_parser("migrate", help="upgrade the database's schema to this version's")
    # (Not the variable's name: a wrapped line of it would read as the environment list's.)
    rotate = commands.add_parser("rotate-keys", help="re-encrypt every stored token under the "
                                 "encryption key's first key")
    rotate.add_argument("--batch", type=int, default=ROTATION_BATCH,
                        help="sellers per transaction (default %(default)s)")
    check = commands.add_parser("check", help="these settings against TikTok, call by call",
                                description=_check.DESCRIPTION)
    _check.add_arguments(check)
    args = parser.parse_args(argv)
    # The backend's own lines (retries, refreshes, TikTok's refusals and their likely
    # cause) next to uvicorn's; URLs in them carry no credentials (RedactCredentials on
    # httpx2's loggers; the callback's code and state never reach uvicorn's access log).
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s: %(name)s: %(message)s")
    try:
        if args.command == "migrate":
            return migrate()
        if args.command == "rotate-keys":
            return rotate_keys(args.batch)
        if args.command == "check":
            return _check.command(args)
        return serve(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2


def serve(args) -> int:
    app = create_app(BackendSettings.from_environ())
    try:  # bound first, so that --port 0 can say which port the OS picked
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"{PROG}: cannot listen on {args.host}:{args.port}: {exc.strerror}",
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


def migrate() -> int:
    url, variable = database_from_environ()
    # No cipher: migrations move tables, they do not read tokens.
    with named(variable):
        before, after = TokenStore(url, cipher=None).migrate()
    if before == after:
        print(f"The database at {shown(url)} is at revision {after}: nothing to do.")
    else:
        print(f"Upgraded the database at {shown(url)} from revision {before or 'none'} "
              f"to {after}.")
    return 0


def rotate_keys(batch: int) -> int:
    if batch < 1:
        raise SettingsError("--batch must be 1 or more")
    url, variable = database_from_environ()
    store = TokenStore(url, TokenCipher(encryption_key_from_environ()))

    def progress(done) -> None:
        print(f"... {done.rotated + done.current + done.unreadable} sellers checked", flush=True)

    async def run():
        try:
            return await store.rotate_keys(batch, progress)
        finally:
            await store.aclose()

    with named(variable):
        store.prepare()
        done = asyncio.run(run())
    print(f"Re-encrypted the tokens of {done.rotated} seller(s) under the first key of "
          f"TIKTOKSHOP_ENCRYPTION_KEY; {done.current} already were.")
    if done.unreadable:
        print(f"{PROG}: {done.unreadable} seller(s) have tokens that no key of "
              "TIKTOKSHOP_ENCRYPTION_KEY decrypts: left as they were (those sellers must "
              "connect again, or add the key that wrote them)", file=sys.stderr)
        return 1
    return 0


@contextmanager
def named(variable: str):
    """The database failing, as a SettingsError naming ``variable``."""
    try:
        yield
    except (StoreUnavailable, SchemaNotCurrent) as exc:
        raise SettingsError(f"{variable}: {exc}") from None
    except DBAPIError as exc:  # connected, then refused (a user that may not create tables)
        refusal = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise SettingsError(f"{variable}: the database refused: {refusal[:200]}") from None


if __name__ == "__main__":
    sys.exit(main())
