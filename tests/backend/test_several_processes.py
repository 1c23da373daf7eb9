"""Several ``python -m tiktokshop_backend`` processes, each in a working folder of its own
as on machines of their own, on one Redis (Debian's redis-server) and one PostgreSQL
(Debian's, both started by the tests): a seller connected through one is served by the
other, a refresh by one is the other's, a machine killed in the middle of a refresh loses
nothing, and PostgreSQL restarting is a 503 for its while, then nothing."""

import asyncio
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields

import httpx2 as httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from testsupport.leaks import WATCH, sandbox_credentials_db
from testsupport.servers import run_backend, serve_in_thread
from tiktokshop_backend import ENVIRONMENT_NAMES, TokenCipher, TokenStore
from tiktokshop_protocol import ACCESS_TOKEN_HEADER, TOKEN_REFRESH_PATH
from tiktokshop_sandbox import Clock
from tiktokshop_sandbox import create_app as create_sandbox
from tiktokshop_widgets.backend import (
    CURRENT_SHOP_PATH,
    RETURNS_SUMMARY_PATH,
    SELLER_PATH,
    TOKEN_PATH,
)

from .conftest import ENCRYPTION_KEY, GB_SHOP, SANDBOX, US_SHOP, Sandbox, backend_settings

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}
# A refresh margin longer than an access token lives: this machine refreshes at every use.
ALWAYS_REFRESH = str(8 * 86_400)


@pytest.fixture
def clock():
    return Clock()  # the processes sign with the wall clock: TikTok (the sandbox) keeps it too


class TikTokWatch:
    """In front of the sandbox: counts token refreshes and notes the access tokens the
    Open API is called with; ``hold()`` keeps the next refreshes waiting until
    ``release()`` (``refresh_arrived`` is set when one comes)."""

    def __init__(self):
        self.app = None
        self.refreshes = 0
        self.access_tokens: list[str] = []
        self.refresh_arrived = threading.Event()
        self._released = threading.Event()
        self._released.set()

    def hold(self):
        self.refresh_arrived.clear()
        self._released.clear()

    def release(self):
        self._released.set()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if token := headers.get(ACCESS_TOKEN_HEADER.encode()):
                self.access_tokens.append(token.decode())
            if scope["path"].endswith(TOKEN_REFRESH_PATH):
                self.refreshes += 1
                self.refresh_arrived.set()
                await asyncio.to_thread(self._released.wait)
        await self.app(scope, receive, send)


@pytest.fixture
def tiktok_watch():
    return TikTokWatch()


@pytest.fixture
def tiktok(sandbox_settings, clock, tiktok_watch):
    """The sandbox, watched (``tiktok_watch``)."""
    tiktok_watch.app = Starlette(routes=[Mount(SANDBOX, app=create_sandbox(sandbox_settings,
                                                                           clock))])
    with serve_in_thread(tiktok_watch) as url:
        try:
            yield Sandbox(url, clock, sandbox_settings)
        finally:
            tiktok_watch.release()


def environ(tmp_path, tiktok, redis_url, **overrides) -> dict:
    """The test backend's settings, as the variables ``python -m tiktokshop_backend`` reads."""
    settings = backend_settings(tmp_path, tiktok, redis_url=redis_url or None, **overrides)
    variables = {}
    for spec, variable in zip(fields(settings), ENVIRONMENT_NAMES):
        value = getattr(settings, spec.name)
        if value is not None:
            variables[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
    if settings.database_url:  # and no SQLite file: each machine would have its own
        del variables["TIKTOKSHOP_DB_PATH"]
    return variables


def watched(tiktok, *servers) -> None:
    """The leak watch looks for what this test's sandbox issued in the processes' logs too."""
    for server in servers:
        WATCH.watch_log(server.log_path, server.data_dir,
                        credentials_db=sandbox_credentials_db(tiktok.settings.data_dir))


def test_two_processes_share_oauth_state_token_cache_and_limits(tmp_path, tiktok, redis_url):
    env = environ(tmp_path, tiktok, redis_url, token_limit_per_ip="5/minute")
    with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b, \
            httpx.Client(timeout=10) as browser:
        watched(tiktok, a, b)
        # The seller starts on A and TikTok sends them back to B.
        start = browser.get(a.url + "/auth/tiktok/start")
        state = httpx.URL(start.headers["location"]).params["state"]
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        callback = browser.get(b.url + "/auth/tiktok/callback?" + redirect.split("?", 1)[1])
        assert callback.status_code == 302, callback.text
        browser.cookies = callback.cookies

        # One token from TikTok, whichever process is asked.
        from_a = browser.get(a.url + TOKEN_PATH, params=QUERY)
        from_b = browser.get(b.url + TOKEN_PATH, params=QUERY)
        assert from_a.status_code == from_b.status_code == 200
        assert from_a.json()["data"] == from_b.json()["data"]

        # One rate: 5 per minute for this client, counted across both processes.
        statuses = [browser.get(server.url + SELLER_PATH).status_code
                    for server in (a, b, a, b)]
        assert statuses == [200, 200, 200, 429]
        assert int(browser.get(a.url + SELLER_PATH).headers["retry-after"]) >= 1


def test_without_redis_a_process_keeps_its_own_state(tmp_path, tiktok, redis_url):
    """The same two processes, no REDIS_URL: the other process never saw the OAuth state."""
    env = {**environ(tmp_path, tiktok, None), "REDIS_URL": ""}
    with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b, \
            httpx.Client(timeout=10) as browser:
        watched(tiktok, a, b)
        start = browser.get(a.url + "/auth/tiktok/start")
        state = httpx.URL(start.headers["location"]).params["state"]
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        assert browser.get(b.url + "/auth/tiktok/callback?"
                           + redirect.split("?", 1)[1]).status_code == 400


def test_the_processes_log_no_credential(tmp_path, tiktok, redis_url):
    """What TikTok's auth host and the OAuth callback take in URLs is masked in both the
    backend's own request lines and uvicorn's access log."""
    with run_backend(tmp_path / "a", environ(tmp_path, tiktok, redis_url)) as a, \
            httpx.Client(timeout=10) as browser:
        watched(tiktok, a)
        start = browser.get(a.url + "/auth/tiktok/start")
        state = httpx.URL(start.headers["location"]).params["state"]
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        code = httpx.URL(redirect).params["code"]
        assert browser.get(a.url + "/auth/tiktok/callback?"
                           + redirect.split("?", 1)[1]).status_code == 302
        log = a.log_text()
    assert "/auth/tiktok/callback?code=***&state=***" in log
    assert "app_secret=***" in log and "auth_code=***" in log
    assert code not in log and state not in log


def migrated(postgres) -> str:
    """A new PostgreSQL database, migrated as the README says: its URL."""
    url = postgres.create_database()
    done = subprocess.run([sys.executable, "-m", "tiktokshop_backend", "migrate"],
                          env={**os.environ, "TIKTOKSHOP_DATABASE_URL": url},
                          capture_output=True, text=True)
    assert done.returncode == 0 and "from revision none to 0002" in done.stdout, done.stderr
    return url


def connect_through(server, tiktok, browser: httpx.Client, shops=(US_SHOP, GB_SHOP)) -> None:
    start = browser.get(server.url + "/auth/tiktok/start")
    state = httpx.URL(start.headers["location"]).params["state"]
    redirect = tiktok.control("authorize", shop_ids=list(shops), state=state)["redirect_url"]
    callback = browser.get(server.url + "/auth/tiktok/callback?" + redirect.split("?", 1)[1])
    assert callback.status_code == 302, callback.text


def stored_seller(url: str):
    """The seller as PostgreSQL holds it, read by a store of the test's own."""
    async def read():
        store = TokenStore(url, TokenCipher(ENCRYPTION_KEY))
        try:
            (open_id,) = await store.sellers()
            return await store.seller(open_id)
        finally:
            await store.aclose()
    return asyncio.run(read())


def test_a_seller_connected_through_one_machine_is_served_by_the_other(
        tmp_path, tiktok, tiktok_watch, redis_url, postgres):
    url = migrated(postgres)
    env = environ(tmp_path, tiktok, redis_url, database_url=url)
    with run_backend(tmp_path / "a", {**env, "TIKTOKSHOP_REFRESH_MARGIN": ALWAYS_REFRESH}) as a, \
            run_backend(tmp_path / "b", env) as b, httpx.Client(timeout=30) as browser:
        watched(tiktok, a, b)
        connect_through(a, tiktok, browser)
        assert tiktok_watch.refreshes == 0

        # A refreshes (its margin says so): the new pair is committed, and B uses it.
        assert browser.get(a.url + SELLER_PATH).status_code == 200
        assert tiktok_watch.refreshes == 1
        refreshed = stored_seller(url)
        tiktok_watch.access_tokens.clear()

        who = browser.get(b.url + SELLER_PATH)
        assert who.status_code == 200, who.text
        assert [shop["id"] for shop in who.json()["data"]["shops"]] == [US_SHOP, GB_SHOP]
        switched = browser.post(b.url + CURRENT_SHOP_PATH, json={"shop_id": GB_SHOP})
        assert switched.json()["data"]["current_shop_id"] == GB_SHOP
        token = browser.get(b.url + TOKEN_PATH, params={**QUERY, "outer_shop_id": GB_SHOP})
        assert token.status_code == 200 and token.json()["data"]["token"]
        summary = browser.get(b.url + RETURNS_SUMMARY_PATH, params={"outer_shop_id": GB_SHOP})
        assert summary.status_code == 200 and summary.json()["data"]["awaiting"] >= 0

        assert tiktok_watch.refreshes == 1  # B refreshed nothing: A's refresh was enough
        assert set(tiktok_watch.access_tokens) == {refreshed.access_token}
        # A sees B's switch: the session is the browser's, the seller the database's.
        assert browser.get(a.url + SELLER_PATH).json()["data"]["current_shop_id"] == GB_SHOP
    assert not (tmp_path / "a" / "tiktokshop-backend.sqlite3").exists()


def test_a_machine_killed_in_the_middle_of_a_refresh_loses_nothing(
        tmp_path, tiktok, tiktok_watch, redis_url, postgres):
    url = migrated(postgres)
    env = {**environ(tmp_path, tiktok, redis_url, database_url=url),
           "TIKTOKSHOP_REFRESH_MARGIN": ALWAYS_REFRESH}
    with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b, \
            httpx.Client(timeout=60) as browser, ThreadPoolExecutor(1) as pool:
        watched(tiktok, a, b)
        connect_through(a, tiktok, browser)
        before = stored_seller(url)

        tiktok_watch.hold()
        on_a = pool.submit(browser.get, a.url + SELLER_PATH)
        assert tiktok_watch.refresh_arrived.wait(30)  # A is in the middle of its refresh
        a.process.kill()
        a.process.wait()
        with pytest.raises(httpx.TransportError):
            on_a.result(30)
        tiktok_watch.release()  # TikTok answers A's refresh: nobody is there to hear it

        # B takes over the seller (once A's refresh lock lapses) and refreshes it itself.
        who = browser.get(b.url + SELLER_PATH)
        assert who.status_code == 200, who.text
        assert who.json()["data"]["seller"]["name"] == before.name
        assert tiktok_watch.refreshes == 2
        after = stored_seller(url)
        assert after.refresh_token == before.refresh_token  # TikTok keeps it: still good
        assert after.access_token != before.access_token
        assert browser.get(b.url + TOKEN_PATH, params=QUERY).status_code == 200


def test_postgresql_restarting_while_both_serve_is_a_503_then_nothing(
        tmp_path, tiktok, redis_url, postgres):
    url = migrated(postgres)
    env = environ(tmp_path, tiktok, redis_url, database_url=url)
    with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b, \
            httpx.Client(timeout=30) as browser:
        watched(tiktok, a, b)
        connect_through(a, tiktok, browser)
        servers = (a, b)
        assert [browser.get(s.url + SELLER_PATH).status_code for s in servers] == [200, 200]

        postgres.stop()
        try:
            down = [browser.get(s.url + SELLER_PATH) for s in servers]
        finally:
            postgres.start()
        back = [browser.get(s.url + SELLER_PATH) for s in servers]
        logs = [s.log_text() for s in servers]

    for response in down:
        assert response.status_code == 503, response.text
        assert response.json()["code"] == 50301
        assert response.headers["retry-after"] == "5"
    assert [response.status_code for response in back] == [200, 200]  # no restart of ours
    for log in logs:
        assert "ERROR: tiktokshop_backend.web: the database is unavailable: " in log
        assert "Traceback" not in log and " 500 " not in log
