"""The sandbox on its own, mounted at /sandbox as the dev server mounts it, on a clock
that stands still until a test moves it.

    def test_x(client, app, clock, settings): ...   # client: TestClient at http://127.0.0.1:8000
"""

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from testsupport.fixtures import watch_test_client_responses  # noqa: F401 (fixture)
from tiktokshop_sandbox import Clock, SandboxSettings, create_app

SANDBOX = "/sandbox"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z, the known-answer vectors' timestamp
REDIRECT_URL = "http://isv.test/auth/tiktok/callback"
OWN_ORIGIN = "http://127.0.0.1:8000"


def mounted(sandbox: Starlette) -> Starlette:
    """The sandbox under /sandbox of a host app sharing its state (settings, store, signer),
    whose lifespan runs the sandbox's (the webhook sender) as a host's must."""
    host = Starlette(routes=[Mount(SANDBOX, app=sandbox)],
                     lifespan=sandbox.router.lifespan_context)
    host.state = sandbox.state
    return host


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def clock():
    return Clock(start=NOW)


@pytest.fixture
def settings(tmp_path):
    return SandboxSettings(data_dir=tmp_path / "data", redirect_url=REDIRECT_URL, controls=True)


@pytest.fixture
def app(settings, clock):
    return mounted(create_app(settings, clock))


@pytest.fixture
def client(app):
    with TestClient(app, base_url=OWN_ORIGIN) as test_client:
        yield test_client
