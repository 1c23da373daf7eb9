"""The background token refresher: access tokens renewed before they expire, so that no
page request waits on TikTok's auth host; once per seller however many processes run it;
and the seller told to reconnect a week before the refresh token ends."""

import time

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from testsupport.servers import run_backend, serve_in_thread
from tiktokshop_backend import create_app
from tiktokshop_protocol import TOKEN_GET_PATH, TOKEN_REFRESH_PATH
from tiktokshop_sandbox import AUTH_MOUNT, Clock, SandboxSettings
from tiktokshop_sandbox import create_app as create_sandbox
from tiktokshop_widgets.backend import RECONNECT_NEEDED, SELLER_PATH, TOKEN_PATH

from .conftest import (
    NOW,
    OWN_ORIGIN,
    REDIRECT_URL,
    SANDBOX,
    US_SHOP,
    RequestLog,
    Sandbox,
    backend_settings,
    connect,
)
from .test_several_processes import environ

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}
DAY = 24 * 3600
WEEK = 7 * DAY
# The sandbox's token lifetimes (TikTok's): access 7 days, refresh 30.
ACCESS_TTL, REFRESH_TTL = 7 * DAY, 30 * DAY
REFRESHING = {"refresh_interval": 0.05, "refresh_ahead": 3600}


def services(client: TestClient):
    return client.app.state.backend


def stored(client: TestClient, method: str, *args):
    """``await store.<method>(*args)`` on the backend's store, in its event loop."""
    return client.portal.call(getattr(services(client).store, method), *args)


def next_pass(client: TestClient) -> None:
    """Wait (on the refresher's own event) until a pass that starts now has ended."""
    client.portal.call(services(client).refresher.next_pass)


def refreshes(client: TestClient, trigger: str, outcome: str = "ok") -> float:
    return services(client).metrics.registry.get_sample_value(
        "tiktokshop_backend_token_refreshes_total",
        {"trigger": trigger, "outcome": outcome}) or 0


def test_a_token_is_renewed_before_it_expires_and_no_page_waits_on_the_auth_host(
        make_backend, tiktok):
    log = RequestLog()
    backend = make_backend({"http": log.client()}, **REFRESHING)
    connect(backend, tiktok)
    (open_id,) = stored(backend, "sellers")
    connected = stored(backend, "seller", open_id)
    assert connected.access_expire_at == NOW + ACCESS_TTL

    # Half an hour before the access token expires: inside the refresher's hour ahead,
    # outside the on-demand margin (10 minutes) that a page request would act on.
    tiktok.clock.advance(ACCESS_TTL - 1800)
    next_pass(backend)
    assert log.count(TOKEN_REFRESH_PATH) == 1
    renewed = stored(backend, "seller", open_id)
    assert renewed.access_expire_at == NOW + ACCESS_TTL - 1800 + ACCESS_TTL
    assert refreshes(backend, "background") == 1

    # Past the old token's expiry, the pages find the new one: no call to the auth host.
    tiktok.clock.advance(3600)
    calls_before = log.count(TOKEN_REFRESH_PATH) + log.count(TOKEN_GET_PATH)
    assert backend.get(SELLER_PATH).status_code == 200
    token = backend.get(TOKEN_PATH, params=QUERY)
    assert token.status_code == 200, token.text
    assert log.count(TOKEN_REFRESH_PATH) + log.count(TOKEN_GET_PATH) == calls_before
    assert refreshes(backend, "on_demand") == 0

    # The refreshed token lives a week: later passes leave it alone.
    next_pass(backend)
    next_pass(backend)
    assert log.count(TOKEN_REFRESH_PATH) == 1


def test_tiktok_failing_leaves_the_seller_for_the_next_pass(make_backend, tiktok):
    log = RequestLog()
    backend = make_backend({"http": log.client()}, read_attempts=1, **REFRESHING)
    connect(backend, tiktok)
    tiktok.control("faults", target="auth", status=503, count=1)
    tiktok.clock.advance(ACCESS_TTL - 1800)
    next_pass(backend)
    assert refreshes(backend, "background", "failed") == 1
    next_pass(backend)
    assert refreshes(backend, "background", "ok") == 1
    assert log.count(TOKEN_REFRESH_PATH) == 2


def test_a_refused_refresh_token_asks_the_seller_to_reconnect(make_backend, tiktok):
    backend = make_backend(**REFRESHING)
    connect(backend, tiktok)
    tiktok.control("revoke", all=True)
    tiktok.clock.advance(ACCESS_TTL - 1800)
    next_pass(backend)
    assert refreshes(backend, "background", "refused") == 1
    reply = backend.get(SELLER_PATH)
    assert reply.status_code == 401 and reply.json()["code"] == RECONNECT_NEEDED
    next_pass(backend)  # remembered: TikTok is not asked again and again
    assert refreshes(backend, "background", "refused") == 1


def test_who_am_i_says_reconnect_by_when_the_refresh_token_ends_within_a_week(backend, tiktok):
    connect(backend, tiktok)
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] is None
    tiktok.clock.advance(REFRESH_TTL - WEEK - 60)
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] is None
    tiktok.clock.advance(120)
    # NOW is 2026-01-01T00:00:00Z: the refresh token ends 30 days later.
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] == "2026-01-31T00:00:00Z"


def test_reconnect_by_is_the_sooner_of_tiktoks_word_and_the_refresh_tokens_end(backend, tiktok):
    connect(backend, tiktok)
    (open_id,) = stored(backend, "sellers")
    authorization = services(backend).authorization
    # TikTok's UPCOMING_AUTHORIZATION_EXPIRATION said 2026-02-15; the refresh token ends
    # 2026-01-31, unsaid until it is within a week.
    backend.portal.call(authorization.ask_to_reconnect, open_id, NOW + 45 * DAY)
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] == "2026-02-15T00:00:00Z"
    tiktok.clock.advance(REFRESH_TTL - WEEK + 60)
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] == "2026-01-31T00:00:00Z"


# Two processes: they sign with the wall clock, so the sandbox runs on it too, but
# BEHIND_S behind while the seller connects: the access token it issues then expires
# within the processes' refresh_ahead, and the ones it issues after are a full hour.
BEHIND_S = 2700
SHORT_ACCESS_TTL = 3600


class CountTokenCalls:
    """ASGI middleware before the sandbox: how many token refreshes TikTok answered."""

    def __init__(self, app):
        self.app = app
        self.refreshes = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith(AUTH_MOUNT + TOKEN_REFRESH_PATH):
            self.refreshes += 1
        await self.app(scope, receive, send)


def wait_until(predicate, timeout: float = 30, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.05)


def scraped(url: str, name: str, **labels) -> float:
    """The sum of a counter's samples with ``labels`` on the process's /metrics."""
    families = text_string_to_metric_families(httpx.get(url + "/metrics", timeout=10).text)
    return sum(sample.value for family in families for sample in family.samples
               if sample.name == name + "_total"
               and labels.items() <= sample.labels.items())


def passes(url: str) -> float:
    """Refresher passes the process has run or skipped."""
    return scraped(url, "tiktokshop_backend_refresher_passes")


def background_refreshes(url: str) -> float:
    return scraped(url, "tiktokshop_backend_token_refreshes", trigger="background", outcome="ok")


@pytest.fixture
def behind_clock():
    return Clock(wall=lambda: time.time() - BEHIND_S)


def test_two_processes_on_one_redis_refresh_each_seller_once(tmp_path, behind_clock, redis_url,
                                                             database):
    settings = SandboxSettings(data_dir=tmp_path / "sandbox", redirect_url=REDIRECT_URL,
                               controls=True, access_token_ttl=SHORT_ACCESS_TTL,
                               timestamp_window=2 * BEHIND_S)
    counter = CountTokenCalls(create_sandbox(settings, behind_clock))
    with serve_in_thread(Starlette(routes=[Mount(SANDBOX, app=counter)])) as url:
        tiktok = Sandbox(url, behind_clock, settings)
        # Connected through a backend of the same settings that runs no refresher.
        with TestClient(create_app(backend_settings(tmp_path, tiktok, **database),
                                   clock=behind_clock), base_url=OWN_ORIGIN) as browser:
            connect(browser, tiktok)
            cookies = browser.cookies
        behind_clock.advance(BEHIND_S)  # TikTok's clock is right again
        env = environ(tmp_path, tiktok, redis_url, refresh_interval=0.1, refresh_ahead=1800,
                      metrics=True, **database)
        with run_backend(tmp_path / "a", env) as a, run_backend(tmp_path / "b", env) as b:
            wait_until(lambda: counter.refreshes >= 1, what="no refresh")
            # Both processes come round several times more: nobody refreshes again.
            after = {server.url: passes(server.url) for server in (a, b)}
            wait_until(lambda: all(passes(url) >= count + 5 for url, count in after.items()),
                       what="the processes did not run their passes")
            assert counter.refreshes == 1
            assert background_refreshes(a.url) + background_refreshes(b.url) == 1

            # And a page request on either finds the fresh token.
            with httpx.Client(cookies=cookies, timeout=10) as page:
                assert page.get(a.url + SELLER_PATH).status_code == 200
                assert page.get(b.url + TOKEN_PATH, params=QUERY).status_code == 200
            assert counter.refreshes == 1
