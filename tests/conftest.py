"""Fixtures shared by every test layer: the project's servers."""

import pytest
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.settings import Settings

from .servers import run_server


def pytest_collection_modifyitems(items):
    # Playwright's sync API keeps an event loop running in the main thread from
    # the first browser test on; the async unit tests need their own, so they go first.
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One serve.py for the session, serving pages untouched (``--cdn live``).

    Browser tests route jsDelivr to the npm copies and TikTok's hosts to this
    server, the way a page would reach them in production.
    """
    with run_server(tmp_path_factory.mktemp("server"), "--cdn", "live", "--reset") as running:
        yield running


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", cdn="live")


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    """In-process HTTP client on a fresh app with its own sandbox data."""
    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client
