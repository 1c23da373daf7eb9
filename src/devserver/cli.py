"""``python serve.py``: run the development server under uvicorn.

    python serve.py                 # http://127.0.0.1:8000/
    python serve.py --port 0 --reset --data-dir /tmp/sandbox
    python serve.py --app ~/my-pyscript-app   # your own app folder, at /
    python serve.py --app ~/my-pyscript-app --export site/   # written as a static site
"""

import dataclasses
import logging
import sys

import uvicorn
import tiktokshop_backend
from tiktokshop_backend import SettingsError, listening_socket, shown_address
from tiktokshop_sandbox import SecretUnfit

from . import export
from .app import create_app
from .cdn_mirror import PinMismatch
from .settings import Settings


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(arg == "--export" or arg.startswith("--export=") for arg in argv):
        return export.main(argv)  # the static site: devserver.export's own flags
    settings = Settings.from_args(argv)  # a bad flag or variable exits 2 with one line
    # Bound first so that --port 0 can print the port the OS picked, and the
    # backend's settings name it.
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as exc:
        print(f"serve.py: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    settings = dataclasses.replace(settings, port=sock.getsockname()[1])
    # What a developer can fix (a pin, a secret, a data dir they may not write)
    # is told in one line, as bad settings are: a traceback would bury it.
    try:
        app = create_app(settings)
    except (PinMismatch, SecretUnfit, SettingsError, OSError) as exc:
        print(f"serve.py: {exc}", file=sys.stderr)
        return 2
    address = shown_address(sock)
    if settings.app_dir is None:
        print(f"Serving the demo at http://{address}/  (native-JS example: "
              f"http://{address}/examples/native.html)", flush=True)
    else:
        print(f"Serving the app in {settings.app_dir} at http://{address}/ ", flush=True)
    config = uvicorn.Config(app, log_level=settings.log_level, server_header=False)
    # After Config, which sets uvicorn's logging up: the sandbox, TikTok's side, takes
    # credentials in URLs (the authorize page's state; the auth host's app secret, codes
    # and refresh tokens). The backend's callback masks its own code and state.
    logging.getLogger("uvicorn.access").addFilter(tiktokshop_backend.RedactCredentials())
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C: uvicorn shut down cleanly, then raised it again
        pass
    return 0

