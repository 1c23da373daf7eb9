"""Real servers for the tests, each on a free loopback port.

    with run_server(tmp_path, "--cdn", "live") as server:       # a serve.py
        httpx.get(server.url + "/api/v1/widget/access_token?...")
        server.log_text()   # everything it printed so far
    with run_backend(tmp_path, environ) as backend: ...        # python -m tiktokshop_backend
    with serve_in_thread(app) as url: ...                      # an ASGI app under uvicorn
    with run_redis(tmp_path) as redis_url: ...                 # Debian's redis-server

The server runs exactly as a developer starts it, with its own data dir, and
its output (uvicorn's access and error log included) goes to a file so that a
test can read what would have been logged, and so that the leak watch
(testsupport/leaks.py) can check every line of it at the end of the run.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from .leaks import WATCH

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVING = re.compile(r"Serving .* at (http://\S+?)/ ")
BACKEND_SERVING = re.compile(r"Serving the backend at (http://\S+?)/")


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def run_server(workdir: Path, *args: str, startup_timeout: float = 30):
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    log_path = workdir / "server.log"
    WATCH.watch_log(log_path, data_dir)
    command = [sys.executable, "serve.py", "--port", "0", "--data-dir", str(data_dir), *args]
    with _running(command, log_path, SERVING, startup_timeout) as (process, url):
        yield RunningServer(url, data_dir, log_path, process)


@contextmanager
def run_backend(workdir: Path, environ: dict, startup_timeout: float = 30):
    """``python -m tiktokshop_backend --port 0`` with ``environ`` added to this one's."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "backend.log"
    WATCH.watch_log(log_path, workdir, [value for name, value in environ.items()
                                        if name.endswith(("_SECRET", "_ENCRYPTION_KEY"))])
    command = [sys.executable, "-m", "tiktokshop_backend", "--port", "0"]
    with _running(command, log_path, BACKEND_SERVING, startup_timeout,
                  {**os.environ, **environ}) as (process, url):
        yield RunningServer(url, workdir, log_path, process)


@contextmanager
def _running(command, log_path: Path, serving: re.Pattern, timeout: float, env=None):
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, env=env)
    try:
        yield process, _wait_for_url(process, log_path, serving, timeout)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process, log_path: Path, serving: re.Pattern, timeout: float) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = log_path.read_text(errors="replace")
        if (match := serving.search(text)) and "Application startup complete" in text:
            return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[1]} exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"{process.args[1]} did not start within {timeout} s:\n"
                       f"{log_path.read_text()}")


def bound_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A socket bound to ``port`` (a free one by default): a server restarted on the
    same port binds it again."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@contextmanager
def serve_in_thread(app, startup_timeout: float = 10, lifespan: str = "off", sock=None):
    """``app`` under a real uvicorn in a thread of this process; its base URL. The app's
    lifespan runs with ``lifespan="on"``; ``sock`` (from ``bound_socket``) when the URL
    must be known before the app is made."""
    sock = sock or bound_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + startup_timeout
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield "http://127.0.0.1:%d" % sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def dead_port() -> int:
    """A loopback port nothing listens on (bound, never listening: nobody else gets it)."""
    return _DEAD_SOCKET.getsockname()[1]


_DEAD_SOCKET = bound_socket()


@contextmanager
def run_redis(workdir: Path, startup_timeout: float = 10):
    """Debian's redis-server (./dev installs it) on a free port, in memory only; its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed: ./dev test installs it")
    workdir.mkdir(parents=True, exist_ok=True)
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()  # redis-server binds it itself; nothing else takes a port this quickly
    process = subprocess.Popen([executable, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                               stdout=open(workdir / "redis.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + startup_timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {(workdir / 'redis.log').read_text()}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
