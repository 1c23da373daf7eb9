"""The backend against the real sandbox: the sandbox under uvicorn on a loopback port
(mounted at /sandbox as the dev server mounts it), the backend in-process (TestClient),
talking to it over real HTTP, both on one clock that stands still until a test moves it.
Every test of a backend runs twice: on a SQLite file and on PostgreSQL (``database``).

    def test_x(backend, tiktok):
        connect(backend, tiktok)                        # OAuth through the sandbox's authorize
        backend.get(SELLER_PATH).json()
        tiktok.control("faults", target="open_api", status=503, count=1)
        other = another_browser(backend)                # a second browser on the same app
        store_other_seller(backend, [US_SHOP])          # a seller who owns US_SHOP, not ours
        interrupted([sys.executable, "serve.py", ...], log_path, {})   # Ctrl-C once it serves
"""

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from testsupport.fixtures import watch_test_client_responses  # noqa: F401 (fixture)
from testsupport.servers import run_postgres, run_redis, serve_in_thread
from tiktokshop_backend import BackendSettings, SellerTokens, Shop, TokenStore, create_app
from tiktokshop_sandbox import (
    AUTH_MOUNT,
    AUTHORIZE_PATH,
    OPEN_API_MOUNT,
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_SERVICE_ID,
    WIDGET_TOKEN_PATH,
    Clock,
    SandboxSettings,
)
from tiktokshop_sandbox import create_app as create_sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
OWN_ORIGIN = "http://127.0.0.1:8000"
REDIRECT_URL = OWN_ORIGIN + "/auth/tiktok/callback"
SANDBOX = "/sandbox"
US_SHOP, GB_SHOP = "7495610000000000001", "7495610000000000002"
ENCRYPTION_KEY = Fernet.generate_key().decode()
SESSION_SECRET = "backend-test-session-secret-" + "x" * 16


@dataclass
class Sandbox:
    url: str
    clock: Clock
    settings: SandboxSettings

    @property
    def base(self) -> str:
        return self.url + SANDBOX

    def control(self, what: str, **body) -> dict:
        response = httpx.post(f"{self.base}/control/{what}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def clock():
    return Clock(start=NOW)


@pytest.fixture
def sandbox_settings(tmp_path):
    return SandboxSettings(data_dir=tmp_path / "sandbox", redirect_url=REDIRECT_URL,
                           controls=True)


@pytest.fixture
def tiktok(sandbox_settings, clock):
    host = Starlette(routes=[Mount(SANDBOX, app=create_sandbox(sandbox_settings, clock))])
    with serve_in_thread(host) as url:
        yield Sandbox(url, clock, sandbox_settings)


def backend_settings(tmp_path, tiktok: Sandbox, **overrides) -> BackendSettings:
    return BackendSettings(**{
        "app_key": SANDBOX_APP_KEY, "app_secret": SANDBOX_APP_SECRET,
        "service_id": SANDBOX_SERVICE_ID, "redirect_url": REDIRECT_URL,
        "encryption_key": ENCRYPTION_KEY, "session_secret": SESSION_SECRET,
        "widget_token_path": WIDGET_TOKEN_PATH, "db_path": tmp_path / "backend.sqlite3",
        "open_api_base": tiktok.base + OPEN_API_MOUNT, "auth_base": tiktok.base + AUTH_MOUNT,
        "authorize_url": tiktok.base + AUTHORIZE_PATH, "timeout": 2.0,
        # The background refresher off, so that a test counts only the refreshes it causes;
        # tests/backend/test_refresher.py turns it on.
        "refresh_interval": 0, **overrides})


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """Debian's PostgreSQL, one throwaway cluster for the session."""
    with run_postgres(tmp_path_factory.mktemp("postgres")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres):
    """A database of the session's cluster, migrated once, emptied by each ``database``."""
    url = postgres.create_database()
    TokenStore(url, cipher=None).migrate()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> dict:
    """Where the test's backends keep sellers, as settings: a new SQLite file, or the
    session's PostgreSQL database with no seller in it."""
    if request.param == "sqlite":
        return {"db_path": tmp_path / "backend.sqlite3"}
    import psycopg
    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("TRUNCATE shops, sellers, webhooks")
    return {"database_url": url}


@pytest.fixture
def make_backend(tmp_path, tiktok, database):
    """A TestClient on a backend of its own settings (``overrides``), sharing the clock
    and the database."""
    clients = []

    def make(app_args=None, **overrides) -> TestClient:
        app_args = {"clock": tiktok.clock, **(app_args or {})}
        app = create_app(backend_settings(tmp_path, tiktok, **{**database, **overrides}),
                         **app_args)
        client = TestClient(app, base_url=OWN_ORIGIN)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def backend(make_backend):
    return make_backend()


def another_browser(client: TestClient) -> TestClient:
    """A second browser (cookies of its own) on ``client``'s app, on ``client``'s event loop.

    An app's asyncio state (its locks, the rate limiter's, httpx's pool) belongs to
    the one loop it runs on, as under uvicorn; a TestClient entered on its own runs
    the app on a loop of its own, and two loops over one app's locks break them.
    So the second browser runs its requests on the first one's portal (its loop).
    """
    other = TestClient(client.app, base_url=str(client.base_url))
    other.portal = client.portal
    return other


OTHER_SELLER = "other-seller-0001"


def store_other_seller(client: TestClient, shop_ids, open_id: str = OTHER_SELLER) -> None:
    """Store, in ``client``'s backend, another seller who connected ``shop_ids``: a shop
    that is somebody's, just not the signed-in seller's."""
    far = NOW + 365 * 86400
    tokens = SellerTokens(open_id, "Other Seller", "US", "other-access-token", far,
                          "other-refresh-token", far)
    shops = [Shop(shop_id, f"Shop {shop_id}", "US", f"CIPHER_{shop_id}") for shop_id in shop_ids]
    client.portal.call(client.app.state.backend.store.save_seller, tokens, shops)


def connect(client: TestClient, tiktok: Sandbox, shops=(US_SHOP, GB_SHOP)) -> None:
    """What a seller does: Connect (OAuth start), Authorize on TikTok, back to the callback."""
    start = client.get("/auth/tiktok/start", follow_redirects=False)
    assert start.status_code == 302, start.text
    state = dict(part.split("=", 1) for part in urlsplit(start.headers["location"]).query.split("&"))["state"]
    redirect = tiktok.control("authorize", shop_ids=list(shops), state=state)["redirect_url"]
    back = client.get(_path_and_query(redirect), follow_redirects=False)
    assert back.status_code == 302 and back.headers["location"] == "/", back.text


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class RequestLog:
    """An httpx client for the backend that notes the path of every request it sends."""

    def __init__(self):
        self.paths: list[str] = []

    def client(self) -> httpx.AsyncClient:
        async def note(request):
            self.paths.append(request.url.path)
        return httpx.AsyncClient(event_hooks={"request": [note]})

    def count(self, suffix: str) -> int:
        return sum(1 for path in self.paths if path.endswith(suffix))


@pytest.fixture
def logs(caplog):
    """Every log record of the test, every logger, every level."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    with run_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server):
    import redis
    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server


def interrupted(command: list[str], log_path: Path, environ: dict) -> tuple[int, str]:
    """Start ``command``, press Ctrl-C (SIGINT) once it serves; its exit code and output."""
    with open(log_path, "w") as log:
        # SIGINT as a terminal delivers it (a shell may have started this run ignoring it).
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, env={**os.environ, **environ},
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 30
        while "Application startup complete" not in log_path.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        return process.wait(30), log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
