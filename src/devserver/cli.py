"""``python serve.py``: run the development server under uvicorn.

    python serve.py                 # http://127.0.0.1:8000/
    python serve.py --port 0 --reset --data-dir /tmp/sandbox
    python serve.py --app ~/my-pyscript-app   # your own app folder, at /
"""

import socket
import sys

import uvicorn

from .app import create_app
from .cdn_mirror import PinMismatch
from .settings import Settings
from .tokens import SecretUnfit


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
    if settings.app_dir is None:
        print(f"Serving the demo at http://{shown}:{port}/  (native-JS example: "
              f"http://{shown}:{port}/examples/native.html)", flush=True)
    else:
        print(f"Serving the app in {settings.app_dir} at http://{shown}:{port}/ ", flush=True)
    config = uvicorn.Config(app, log_level=settings.log_level, server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
