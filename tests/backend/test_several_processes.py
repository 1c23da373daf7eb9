"""Two ``python -m tiktokshop_backend`` processes on one Redis (Debian's redis-server,
started by the tests): a seller connects through both, and they share the OAuth state,
the widget-token cache and the rate limits."""

import httpx2 as httpx
import pytest

from testsupport.servers import run_backend
from tiktokshop_sandbox import (
    AUTH_MOUNT,
    AUTHORIZE_PATH,
    OPEN_API_MOUNT,
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_SERVICE_ID,
    WIDGET_TOKEN_PATH,
    Clock,
)
from tiktokshop_widgets.backend import SELLER_PATH, TOKEN_PATH

from .conftest import ENCRYPTION_KEY, REDIRECT_URL, SESSION_SECRET, US_SHOP

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}


@pytest.fixture
def clock():
    return Clock()  # the processes sign with the wall clock: TikTok (the sandbox) keeps it too


def environ(tmp_path, tiktok, redis_url, **extra) -> dict:
    return {
        "TIKTOKSHOP_APP_KEY": SANDBOX_APP_KEY, "TIKTOKSHOP_APP_SECRET": SANDBOX_APP_SECRET,
        "TIKTOKSHOP_SERVICE_ID": SANDBOX_SERVICE_ID, "TIKTOKSHOP_REDIRECT_URL": REDIRECT_URL,
        "TIKTOKSHOP_ENCRYPTION_KEY": ENCRYPTION_KEY, "TIKTOKSHOP_SESSION_SECRET": SESSION_SECRET,
        "TIKTOKSHOP_WIDGET_TOKEN_PATH": WIDGET_TOKEN_PATH,
        "TIKTOKSHOP_DB_PATH": str(tmp_path / "backend.sqlite3"),
        "TIKTOKSHOP_OPEN_API_BASE": tiktok.base + OPEN_API_MOUNT,
        "TIKTOKSHOP_AUTH_BASE": tiktok.base + AUTH_MOUNT,
        "TIKTOKSHOP_AUTHORIZE_URL": tiktok.base + AUTHORIZE_PATH,
        "REDIS_URL": redis_url, **extra,
    }


def test_two_processes_share_oauth_state_token_cache_and_limits(tmp_path, tiktok, redis_url):
    env = environ(tmp_path, tiktok, redis_url, TIKTOKSHOP_TOKEN_LIMIT_PER_IP="5/minute")
    with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b, \
            httpx.Client(timeout=10) as browser:
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
    env = environ(tmp_path, tiktok, "")
    with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b, \
            httpx.Client(timeout=10) as browser:
        start = browser.get(a.url + "/auth/tiktok/start")
        state = httpx.URL(start.headers["location"]).params["state"]
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        assert browser.get(b.url + "/auth/tiktok/callback?"
                           + redirect.split("?", 1)[1]).status_code == 400
