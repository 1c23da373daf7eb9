"""Two ``python -m tiktokshop_backend`` processes on one Redis (Debian's redis-server,
started by the tests): a seller connects through both, and they share the OAuth state,
the widget-token cache and the rate limits."""

from dataclasses import fields

import httpx2 as httpx
import pytest

from testsupport.leaks import WATCH, sandbox_credentials_db
from testsupport.servers import run_backend
from tiktokshop_backend import ENVIRONMENT_NAMES
from tiktokshop_sandbox import Clock
from tiktokshop_widgets.backend import SELLER_PATH, TOKEN_PATH

from .conftest import US_SHOP, backend_settings

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}


@pytest.fixture
def clock():
    return Clock()  # the processes sign with the wall clock: TikTok (the sandbox) keeps it too


def environ(tmp_path, tiktok, redis_url, **overrides) -> dict:
    """The test backend's settings, as the variables ``python -m tiktokshop_backend`` reads."""
    settings = backend_settings(tmp_path, tiktok, redis_url=redis_url or None, **overrides)
    variables = {}
    for spec, variable in zip(fields(settings), ENVIRONMENT_NAMES):
        value = getattr(settings, spec.name)
        if value is not None:
            variables[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
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
