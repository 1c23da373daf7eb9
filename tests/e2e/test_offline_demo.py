"""The README's demo command on a machine with no internet: serve.py in its default
(mirror) mode serves every asset itself, and the widget-kit it serves is npm's."""

import pytest

from devserver.settings import PROJECT_ROOT

from testsupport.servers import run_server
from .returns_widget import rows, wait_for_requests

WIDGET_KIT = PROJECT_ROOT / "node_modules/@tiktokshop/widget-kit/dist/es/index.js"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    with run_server(tmp_path_factory.mktemp("demo")) as running:  # the defaults: --cdn mirror
        yield running


@pytest.fixture
def offline_page(browser, demo_server):
    context = browser.new_context()
    refused = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort("internetdisconnected")

    context.route(lambda url: not url.startswith(demo_server.url), refuse)
    page = context.new_page()
    yield page, refused
    context.close()


def test_the_native_example_works_offline_with_npms_widget_kit(offline_page, demo_server):
    page, refused = offline_page
    served = {}
    page.on("response", lambda response: response.url.endswith("widget-kit@1.0.4/dist/es/index.js")
            and served.setdefault("widget_kit", response.body()))
    page.goto(demo_server.url + "/examples/native.html")

    wait_for_requests(page)
    assert rows(page).first.get_by_test_id("mr-accept").is_visible()
    assert rows(page).first.get_by_test_id("mr-reject").is_visible()
    assert served["widget_kit"] == WIDGET_KIT.read_bytes()
    assert refused == []


def test_the_returns_tab_works_offline(offline_page, demo_server):
    page, refused = offline_page
    stdlib = []
    page.on("requestfinished", lambda request: request.url.endswith("/python_stdlib.zip")
            and stdlib.append(request.url))
    page.goto(demo_server.url + "/#returns")

    wait_for_requests(page)
    assert refused == []
    # Pyodide booted on its precompiled stdlib, and fetched no other.
    assert stdlib == [demo_server.url + "/assets/python_stdlib.zip"]
