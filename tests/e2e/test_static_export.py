"""Exported sites that bring their own runtime, on a plain static host with jsDelivr
unreachable: README's own app (``--app``) and the demo, both ``--self-host-runtime``,
each on both interpreters, against the ISV's backend (serve.py) on another origin.

Every request that leaves the two origins is refused and recorded: the pages must
never even ask jsDelivr (or anyone else) for anything.
"""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from devserver.export import export
from devserver.settings import PROJECT_ROOT

from testsupport.browser import console_errors_of
from testsupport.servers import run_server
from .returns_widget import WIDGET_TIMEOUT_MS, accept, pending_ids, wait_for_requests
from .static_host import static_file_server
from .test_readme_app import WHEEL_COMMAND, readme_files

DEMO_SHOP = "7495610000000000001"


def readme_app(root):
    """README's "Use it in your own app" folder, its wheel built as README says, and a
    MicroPython copy of its page (README's one change: type="mpy")."""
    subprocess.run([sys.executable, "-m", *WHEEL_COMMAND.replace("my-app", str(root / "my-app"))
                    .split()], cwd=PROJECT_ROOT, check=True, capture_output=True)
    for path, text in readme_files().items():
        (root / path).write_text(text)
    page = (root / "my-app/index.html").read_text()
    (root / "my-app/mpy.html").write_text(page.replace('type="py"', 'type="mpy"'))
    return root / "my-app"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """{"app": its static origin, "demo": its static origin}, and the backend."""
    root = tmp_path_factory.mktemp("self-hosted")
    app = readme_app(root)
    with static_file_server(root / "app-site") as app_url, \
            static_file_server(root / "demo-site") as demo_url:
        origins = [arg for url in (app_url, demo_url)
                   for arg in ("--cors-origin", url, "--allow-origin", url)]
        with run_server(root / "backend", "--cdn", "live", *origins) as backend:
            export(root / "app-site", backend.url, widgets_from=backend.url, app_dir=app,
                   self_host_runtime=True)
            export(root / "demo-site", backend.url, widgets_from=backend.url,
                   self_host_runtime=True)
            yield {"app": app_url, "demo": demo_url}, backend


@pytest.fixture
def offline_page(browser, deployment):
    """A page that reaches the two static origins and the backend, and nothing else."""
    sites, backend = deployment
    context = browser.new_context()
    outside, loaded = [], []
    context.route(lambda url: not url.startswith((*sites.values(), backend.url, "data:", "blob:")),
                  lambda route: outside.append(route.request.url) or route.abort())
    page = context.new_page()
    page.on("request", lambda request: loaded.append(request.url))
    # The seller's browser is known to the backend (in the dev server: the demo seller).
    assert page.request.get(f"{backend.url}/api/v1/seller").ok
    yield page, outside, loaded
    context.close()


@pytest.mark.parametrize("page_file", ["index.html", "mpy.html"])
def test_readmes_app_runs_self_hosted(offline_page, deployment, page_file):
    page, outside, loaded = offline_page
    sites, _ = deployment
    errors = console_errors_of(page)
    page.goto(f"{sites['app']}/{page_file}")
    show = page.get_by_role("button", name="Show return requests")
    expect(show).to_be_enabled(timeout=WIDGET_TIMEOUT_MS)  # Python is ready

    show.click()
    wait_for_requests(page)
    return_id = pending_ids(page)[0]
    accept(page, return_id)
    expect(page.locator("#message")).to_contain_text(f"Return {return_id}: APPROVE_")
    interpreter = "/runtime/pyodide/" if page_file == "index.html" else "/runtime/npm/@micropython/"
    assert any(url.startswith(sites["app"] + interpreter) for url in loaded)
    assert errors == [] and outside == []


def test_the_demo_runs_self_hosted_under_its_policy(offline_page, deployment, interpreter):
    page, outside, loaded = offline_page
    sites, _ = deployment
    errors = console_errors_of(page)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    query = "?interpreter=micropython" if interpreter == "micropython" else ""
    page.goto(f"{sites['demo']}/{query}#returns")

    wait_for_requests(page)
    expect(page.get_by_role("combobox", name="Shop")).to_have_value(DEMO_SHOP)
    accept(page, pending_ids(page)[0])
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "jsdelivr" not in policy
    wasm = "/pyodide.asm.wasm" if interpreter == "pyodide" else "/micropython.wasm"
    assert any(url.startswith(sites["demo"] + "/runtime/") and url.endswith(wasm) for url in loaded)
    assert violations == [] and errors == [] and outside == []
