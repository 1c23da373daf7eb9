"""pytest fixtures of the server and browser test layers, imported by their conftest.py.

    from testsupport.fixtures import client, server, watch_test_client_responses  # noqa: F401

``server`` is one serve.py for the whole session (``--cdn live``: browser tests
route jsDelivr to the npm copies themselves); ``client`` an in-process app of
its own; ``watch_test_client_responses`` shows every TestClient reply of the
run to the leak watch, and ``watched_context`` every reply the browser gets
from ``server``.
"""

import pytest
from playwright.sync_api import Error as PlaywrightError
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.settings import Settings

from .leaks import WATCH, is_watched_text, secrets_of
from .servers import run_server


@pytest.fixture(scope="session", autouse=True)
def watch_test_client_responses():
    """Every TestClient of the run, whoever makes it, shows its replies to the leak watch."""
    make_client = TestClient.__init__

    def make_watched_client(client, app, *args, **kwargs):
        make_client(client, app, *args, **kwargs)
        settings = getattr(getattr(app, "state", None), "settings", None)
        secrets = secrets_of(settings.data_dir) if settings else []

        def check(response):
            response.read()
            WATCH.check_response(str(response.url), response.headers.get("content-type", ""),
                                 str(response.headers), response.text, secrets)

        client.event_hooks["response"].append(check)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TestClient, "__init__", make_watched_client)
        yield


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One serve.py for the session, serving pages untouched (``--cdn live``).

    Browser tests route jsDelivr to the npm copies and TikTok's hosts to this
    server, the way a page would reach them in production.
    """
    with run_server(tmp_path_factory.mktemp("server"), "--cdn", "live", "--reset") as running:
        yield running


@pytest.fixture(scope="session")
def files_checked() -> set:
    """(URL, ETag) of the site files the browser tests' leak watch has read."""
    return set()


def watch_context(context, server, files_checked):
    """Show the leak watch every text reply ``context``'s pages get from ``server``."""
    secrets = secrets_of(server.data_dir)

    def check(response):
        content_type = response.headers.get("content-type", "")
        if not (response.url.startswith(server.url + "/")
                and is_watched_text(response.url, content_type)):
            return
        # A file with the same ETag is the same bytes: read it once per session.
        if etag := response.headers.get("etag"):
            if (response.url, etag) in files_checked:
                return
            files_checked.add((response.url, etag))
        try:
            body = response.text()
        except PlaywrightError:  # a redirect, or the page went before its body came
            return
        WATCH.check_response(response.url, content_type, str(response.headers), body, secrets)

    context.on("response", check)
    return context


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
