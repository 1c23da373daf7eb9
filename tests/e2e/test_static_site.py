"""The app exported for a static host: a plain static file server on one origin,
the ISV's backend (serve.py: token endpoint and sandbox) on another, and the
page's Content-Security-Policy in force."""

import re

import pytest
from playwright.sync_api import expect

from devserver.export import export

from testsupport.servers import run_server
from testsupport.browser import console_errors_of, route_outside_world
from .static_host import static_file_server
from .returns_widget import WIDGET_TIMEOUT_MS, accept, pending_ids, wait_for_requests

DEMO_SHOP = "7495610000000000001"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """(allowed static origin, backend, a second static origin the backend does not allow)."""
    site = tmp_path_factory.mktemp("static") / "site"
    with static_file_server(site) as static_url, static_file_server(site) as other_url:
        # The backend lets the static origin in, for its token (CORS) and its widgets.
        with run_server(tmp_path_factory.mktemp("backend"), "--cdn", "live",
                        "--cors-origin", static_url, "--allow-origin", static_url) as backend:
            export(site, backend.url, widgets_from=backend.url)
            yield static_url, backend, other_url


@pytest.fixture
def static_page(browser, deployment, mirror):
    static_url, backend, other_url = deployment
    context = browser.new_context()
    outside = []
    route_outside_world(context, backend, mirror, outside, other_local_urls=[static_url, other_url])
    page = context.new_page()
    yield page, outside
    context.close()


def sign_in(page, backend):
    """The seller's browser is known to the ISV's backend (in the demo: the demo seller,
    connected to the demo shop)."""
    seller = page.request.get(f"{backend.url}/api/v1/seller")
    assert seller.ok and DEMO_SHOP in [shop["id"] for shop in seller.json()["data"]["shops"]]


def test_the_returns_tab_works_from_a_static_host(static_page, deployment, interpreter):
    page, outside = static_page
    static_url, backend, _ = deployment
    errors = console_errors_of(page)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    sign_in(page, backend)
    page.goto(static_url + "/" + ("?interpreter=micropython" if interpreter == "micropython"
                                  else "") + "#returns")

    wait_for_requests(page)
    expect(page.locator('script[type="mpy"]')).to_have_count(1 if interpreter == "micropython" else 0)
    # The seller's shops came from the backend on its own origin.
    expect(page.get_by_role("combobox", name="Shop")).to_have_value(DEMO_SHOP)
    accept(page, pending_ids(page)[0])
    assert violations == [] and errors == [] and outside == []


def test_an_injected_inline_script_is_blocked(static_page, deployment):
    page, _ = static_page
    static_url, backend, _ = deployment
    sign_in(page, backend)
    page.goto(static_url + "/#returns")
    wait_for_requests(page)

    blocked = page.evaluate("""() => new Promise((resolve) => {
        const seen = [];
        document.addEventListener("securitypolicyviolation", (e) => seen.push(e.violatedDirective));
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
        document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.injected = true">');
        setTimeout(() => resolve(seen), 500);
    })""")
    assert page.evaluate("window.injected") is None
    assert "script-src-elem" in blocked and "script-src-attr" in blocked


def test_a_page_on_an_origin_the_backend_does_not_allow_learns_nothing(static_page, deployment):
    page, _ = static_page
    _, backend, other_url = deployment  # same site, so the seller's cookie would be sent
    sign_in(page, backend)
    page.goto(other_url + "/#returns")

    status = page.locator("#returns-status")
    expect(status).to_have_attribute("data-state", "failed", timeout=WIDGET_TIMEOUT_MS)
    expect(status).to_contain_text("Could not get your shops from the app's server")
    expect(page.locator("#returns-widget")).to_be_empty()
    expect(page.get_by_role("banner")).not_to_contain_text("Maple")
    # The backend itself said no (not only the browser's CORS check).
    assert re.search(r'"GET /api/v1/seller HTTP/1.1" 403', backend.log_text())
