"""``python serve.py``: run the development server under uvicorn.

    python serve.py                 # http://127.0.0.1:8000/
    python serve.py --port 0 --reset --data-dir /tmp/sandbox
"""

import logging
import socket
import sys

import uvicorn
from tiktokshop_protocol import redact_query
from tiktokshop_sandbox import SecretUnfit

from .app import create_app
from .cdn_mirror import PinMismatch
from .settings import Settings


def main(argv=None) -> int:
    settings = Settings.from_args(argv)  # a bad flag or variable exits 2 with one line
    # What a developer can fix (a pin, a secret, a data dir they may not write)
    # is told in one line, as bad settings are: a traceback would bury it.
    try:
        app = create_app(settings)
    except (PinMismatch, SecretUnfit, OSError) as exc:
        print(f"serve.py: {exc}", file=sys.stderr)
        return 2
    # Bind first so that --port 0 can print the port the OS picked. IPPROTO_TCP
    # explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every response on a kept-alive connection waits ~40 ms (Nagle).
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET,
                         socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"serve.py: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving the demo at http://{shown}:{port}/  (native-JS example: "
          f"http://{shown}:{port}/examples/native.html)", flush=True)
    config = uvicorn.Config(app, log_level=settings.log_level, server_header=False)
    # After Config, which sets uvicorn's logging up: TikTok's auth host (the sandbox)
    # takes the app secret, codes and refresh tokens in the query string.
    logging.getLogger("uvicorn.access").addFilter(RedactCredentials())
    uvicorn.Server(config).run(sockets=[sock])
    return 0


class RedactCredentials(logging.Filter):
    """Mask credential query parameters in the URLs of access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        return True
