"""Real servers for the tests, each on a free loopback port.

    with run_server(tmp_path, "--cdn", "live") as server:       # a serve.py
        httpx.get(server.url + "/api/v1/widget/access_token?...")
        server.log_text()   # everything it printed so far
    with run_backend(tmp_path, environ) as backend: ...        # python -m tiktokshop_backend
    with serve_in_thread(app) as url: ...                      # an ASGI app under uvicorn
    with run_redis(tmp_path) as redis_url: ...                 # Debian's redis-server
    with run_postgres(tmp_path) as postgres:                   # Debian's PostgreSQL
        url = postgres.create_database()     # a new empty database: its URL
        postgres.stop(); postgres.start()    # a restart, on the same port

The server runs exactly as a developer starts it, with its own data dir, and
its output (uvicorn's access and error log included) goes to a file so that a
test can read what would have been logged, and so that the leak watch
(testsupport/leaks.py) can check every line of it at the end of the run.
"""

import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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
    """``python -m tiktokshop_backend --port 0`` in ``workdir`` (as a machine of its own
    would: a relative TIKTOKSHOP_DB_PATH lands there), ``environ`` added to this one's."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "backend.log"
    secrets = [value for name, value in environ.items()
               if name.endswith(("_SECRET", "_ENCRYPTION_KEY"))]
    secrets += [urlsplit(value).password for name, value in environ.items()
                if name.endswith("_DATABASE_URL") and urlsplit(value).password]
    WATCH.watch_log(log_path, workdir, secrets)
    command = [sys.executable, "-m", "tiktokshop_backend", "--port", "0"]
    with _running(command, log_path, BACKEND_SERVING, startup_timeout,
                  {**os.environ, **environ}, cwd=workdir) as (process, url):
        yield RunningServer(url, workdir, log_path, process)


@contextmanager
def _running(command, log_path: Path, serving: re.Pattern, timeout: float, env=None,
             cwd=PROJECT_ROOT):
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=cwd, stdout=log,
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


# Who runs PostgreSQL when the tests run as root (it refuses root): Debian's
# package makes this system user.
POSTGRES_USER = "postgres"
APP_ROLE = "tiktokshop"


class Postgres:
    """A throwaway PostgreSQL cluster: initdb in a temporary folder, TCP on loopback only,
    password logins (scram-sha-256), no fsync (nothing in it outlives the tests)."""

    def __init__(self, workdir: Path, startup_timeout: float):
        self.startup_timeout = startup_timeout
        self.log_path = workdir / "postgres.log"
        self.password = secrets.token_urlsafe(16)
        self.port = _free_port()
        self._user = _postgres_user() if os.geteuid() == 0 else None
        # Not under pytest's folder, which only root may enter.
        self.base = Path(tempfile.mkdtemp(prefix="tiktokshop-postgres-"))
        self.data = self.base / "data"
        self.process: subprocess.Popen | None = None
        self._databases = 0
        WATCH.watch_log(self.log_path, self.base, [self.password])

    def url(self, database: str = "postgres", user: str = POSTGRES_USER,
            password: str | None = None) -> str:
        return (f"postgresql://{user}:{password or self.password}@127.0.0.1:{self.port}/"
                f"{database}")

    def init(self) -> None:
        if self._user:
            os.chown(self.base, self._user.pw_uid, self._user.pw_gid)
        password_file = self.base / "password"
        password_file.write_text(self.password + "\n")
        if self._user:
            os.chown(password_file, self._user.pw_uid, self._user.pw_gid)
        subprocess.run([_postgres_binary("initdb"), "-D", str(self.data), "-U", POSTGRES_USER,
                        "--pwfile", str(password_file), "--auth=scram-sha-256", "-E", "UTF8",
                        "--no-sync", "--no-instructions"],
                       check=True, capture_output=True, **self._as_owner())
        password_file.unlink()
        self.start()
        self.sql(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{self.password}'")

    def _as_owner(self) -> dict:
        if not self._user:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": [],
                "env": {**os.environ, "HOME": self._user.pw_dir}}

    def start(self) -> None:
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [_postgres_binary("postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, **self._as_owner())
        log.close()
        deadline = time.time() + self.startup_timeout
        while not self.accepts():
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL did not start: {self.log_path.read_text()}")
            time.sleep(0.05)

    def accepts(self) -> bool:
        import psycopg
        try:
            with psycopg.connect(self.url(), connect_timeout=2) as db:
                db.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        """A fast shutdown (SIGINT: clients are cut off), waited for."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(30)
        self.process = None

    def sql(self, statement: str) -> None:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as db:
            db.execute(statement)

    def create_database(self) -> str:
        """A new database owned by the app's role (not a superuser); its URL."""
        self._databases += 1
        name = f"test_{self._databases}"
        self.sql(f"CREATE DATABASE {name} OWNER {APP_ROLE}")
        return self.url(name, APP_ROLE)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def run_postgres(workdir: Path, startup_timeout: float = 60):
    """Debian's PostgreSQL (./dev installs it) on a free port, as its own user; a Postgres."""
    workdir.mkdir(parents=True, exist_ok=True)
    postgres = Postgres(workdir, startup_timeout)
    try:
        postgres.init()
        yield postgres
    finally:
        postgres.remove()


def _postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        raise RuntimeError(f"PostgreSQL refuses to run as root, and there is no "
                           f"{POSTGRES_USER!r} user to run it: ./dev test installs Debian's "
                           "postgresql, which makes one") from None


def _postgres_binary(name: str) -> str:
    """PostgreSQL's programs: on the PATH, else where Debian keeps them (newest version)."""
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(path.split("/")[4]), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: ./dev test installs it")
    return found


def _free_port() -> int:
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()  # the server binds it itself; nothing else takes a port this quickly
    return port
