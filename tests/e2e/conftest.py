"""Browser fixtures: one Chromium per session, a fresh context per test.

Each context reaches the outside world only through routes:
jsDelivr goes to the npm-installed copies (byte for byte), TikTok's widget
resource host goes to the sandbox, and anything else is refused and recorded,
so a test fails if the page tries to leave the machine.
"""

import httpx2 as httpx
import pytest

from devserver import media_types
from devserver.app import DEMO_SHOPS
from devserver.cdn_mirror import CdnMirror
from devserver.settings import Settings
from tiktokshop_sandbox import SANDBOX_APP_KEY, ReturnsStore, TokenSigner, load_or_create_secret
from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH
from testsupport.browser import console_errors_of, launch_args, route_outside_world
from testsupport.fixtures import (  # noqa: F401 (fixtures)
    files_checked,
    server,
    watch_context,
    watch_test_client_responses,
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    return {**browser_type_launch_args, **launch_args(playwright)}


@pytest.fixture(scope="session")
def mirror():
    media_types.register()
    return CdnMirror(Settings.node_modules, Settings.pyodide_packages)


@pytest.fixture
def outside_requests():
    """URLs the page tried to fetch from outside the machine (all refused)."""
    return []


@pytest.fixture
def context(context, server, mirror, outside_requests, files_checked):
    route_outside_world(context, server, mirror, outside_requests)
    return watch_context(context, server, files_checked)


@pytest.fixture(params=["pyodide", "micropython"])
def interpreter(request):
    """Each PyScript interpreter the app runs on, in turn."""
    return request.param


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of the test's page."""
    return console_errors_of(page)


@pytest.fixture
def fresh_sandbox(server):
    """The session server's return requests re-seeded: every pending request pending again.

    The demo seller's authorization stays (the backend's stored tokens need it);
    the backend's returns summaries are taken afresh, as after a decision."""
    store = ReturnsStore(server.data_dir / "sandbox.sqlite3")
    store.reseed_returns()
    with httpx.Client(base_url=server.url, timeout=30) as seller:
        for shop_id in DEMO_SHOPS:
            summary = seller.get(RETURNS_SUMMARY_PATH,
                                 params={"outer_shop_id": shop_id, "fresh": "1"})
            assert summary.status_code == 200, summary.text
    return store


class ServerClock:
    """The session server's clock (earlier tests of the session moved it ahead of the wall)."""

    def __init__(self, server):
        self.server = server

    def now(self) -> float:
        reply = httpx.post(f"{self.server.url}/sandbox/control/clock", json={"advance": 0},
                           timeout=30)
        reply.raise_for_status()
        return reply.json()["now"]


@pytest.fixture
def token_signer(server):
    """Signs tokens the session server accepts, for tests that forge replies: their
    lifetimes on the server's clock, as the sandbox judges them."""
    return TokenSigner(load_or_create_secret(server.data_dir / "token-secret"),
                       app_key=SANDBOX_APP_KEY, ttl=300, clock=ServerClock(server))
