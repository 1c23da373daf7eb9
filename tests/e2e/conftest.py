"""Browser fixtures: one Chromium per session, a fresh context per test.

Each context reaches the outside world only through routes:
jsDelivr goes to the npm-installed copies (byte for byte), TikTok's widget
resource host goes to the sandbox, and anything else is refused and recorded,
so a test fails if the page tries to leave the machine.
"""

import mimetypes
from urllib.parse import urlsplit

import pytest

from devserver import media_types
from devserver.cdn_mirror import CdnMirror, MirrorMiss
from devserver.sandbox import ReturnsStore
from devserver.settings import SANDBOX_APP_KEY, Settings
from devserver.tokens import TokenSigner, load_or_create_secret

from ..browser_path import launch_args

CDN = "https://cdn.jsdelivr.net/"
TIKTOK_RESOURCE_HOST = "https://api-widget-sg.tiktokshop.com/"


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


def route_outside_world(context, server, mirror, outside_requests, other_local_urls=()):
    """jsDelivr to npm's files, TikTok's resource host to ``server``, the rest refused
    (but ``server`` itself and ``other_local_urls``)."""

    def is_outside(url: str) -> bool:
        return not url.startswith((server.url, *other_local_urls, "data:", "blob:"))

    def refuse(route):
        outside_requests.append(route.request.url)
        route.abort("internetdisconnected")

    def from_npm(route):
        cdn_path = urlsplit(route.request.url).path.lstrip("/")
        try:
            body = mirror.body(cdn_path)
        except MirrorMiss as exc:
            route.fulfill(status=404, body=str(exc), headers={"access-control-allow-origin": "*"})
            return
        media_type = mimetypes.guess_type(cdn_path)[0] or "application/octet-stream"
        route.fulfill(
            body=body,
            headers={"access-control-allow-origin": "*", "content-type": media_type},
        )

    def to_sandbox(route):
        parts = urlsplit(route.request.url)
        local = server.url + parts.path + (f"?{parts.query}" if parts.query else "")
        route.fulfill(response=route.fetch(url=local))

    # Routes run newest first: the catch-all goes in first.
    context.route(is_outside, refuse)
    context.route(CDN + "**", from_npm)
    context.route(TIKTOK_RESOURCE_HOST + "**", to_sandbox)


def console_errors_of(page) -> list:
    """Console errors and uncaught exceptions of ``page``, as they happen."""
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


@pytest.fixture
def context(context, server, mirror, outside_requests):
    route_outside_world(context, server, mirror, outside_requests)
    return context


@pytest.fixture(params=["pyodide", "micropython"])
def interpreter(request):
    """Each PyScript interpreter the app runs on, in turn."""
    return request.param


def app_url(server, interpreter, hash=""):
    """The demo page's URL on ``interpreter``, with a ``hash`` such as "#returns"."""
    query = "?interpreter=micropython" if interpreter == "micropython" else ""
    return f"{server.url}/{query}{hash}"


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of the test's page."""
    return console_errors_of(page)


@pytest.fixture
def fresh_sandbox(server):
    """The session server's sandbox re-seeded: every pending request pending again."""
    store = ReturnsStore(server.data_dir / "sandbox.sqlite3")
    store.reset()
    store.seed_if_empty()
    return store


@pytest.fixture
def token_signer(server):
    """Signs tokens the session server accepts, for tests that forge replies."""
    return TokenSigner(load_or_create_secret(server.data_dir / "token-secret"),
                       app_key=SANDBOX_APP_KEY, ttl=300)
