"""The sandbox alone under uvicorn, TikTok's side of the backend benchmark (bench/backend.py).

    .venv/bin/python bench/sandbox_server.py DATA_DIR
    # prints "Serving the sandbox at http://127.0.0.1:PORT/ ..." (mounted at /sandbox)

A process of its own, so that the work TikTok's side does is not the
benchmark's nor the backend's. Wall-clock time, controls on (the benchmark
authorizes its seller through them), TikTok's default token lifetimes.
"""

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from testsupport.servers import bound_socket  # noqa: E402
from tiktokshop_sandbox import Clock, SandboxSettings, create_app  # noqa: E402

SANDBOX = "/sandbox"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: bench/sandbox_server.py DATA_DIR", file=sys.stderr)
        return 2
    settings = SandboxSettings(data_dir=Path(argv[0]), controls=True)
    app = Starlette(routes=[Mount(SANDBOX, app=create_app(settings, Clock()))])
    sock = bound_socket()
    sock.listen()
    print(f"Serving the sandbox at http://127.0.0.1:{sock.getsockname()[1]}/ "
          f"(mounted at {SANDBOX})", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="info", access_log=False)).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
