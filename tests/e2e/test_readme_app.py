"""README's "Use it in your own app", run as written: its files, its commands, both interpreters.

The files are the README's fenced blocks whose info string names a path
(```html my-app/index.html```); the wheel is built as the README says, and the
folder served by ``serve.py --app``. MicroPython is the README's one change:
``type="mpy"`` for ``type="py"``.
"""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from devserver.settings import PROJECT_ROOT
from testsupport.browser import console_errors_of
from testsupport.servers import run_server

from .returns_widget import WIDGET_TIMEOUT_MS, accept, pending_ids, rows, wait_for_requests

README = PROJECT_ROOT / "README.md"
SECTION = "## Use it in your own app"
FILE_BLOCK = re.compile(r"^```\w+ (my-app/\S+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
WHEEL_COMMAND = "pip wheel --no-deps -w my-app ."


def readme_files() -> dict:
    text = README.read_text()
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    assert WHEEL_COMMAND in section  # the wheel is built as below
    return dict(FILE_BLOCK.findall(section))


def test_the_readme_names_a_complete_app():
    assert sorted(readme_files()) == ["my-app/index.html", "my-app/main.py",
                                      "my-app/pyscript.toml"]


@pytest.fixture(scope="module")
def readme_app(tmp_path_factory):
    """The README's folder, for each script type, served by ``serve.py --app``."""
    root = tmp_path_factory.mktemp("readme")
    subprocess.run([sys.executable, "-m", *WHEEL_COMMAND.replace("my-app", str(root / "my-app"))
                    .split()], cwd=PROJECT_ROOT, check=True, capture_output=True)
    for path, text in readme_files().items():
        (root / path).write_text(text)
    page = (root / "my-app/index.html").read_text()
    assert page.count('type="py"') == 1
    (root / "my-app/mpy.html").write_text(page.replace('type="py"', 'type="mpy"'))
    with run_server(root / "server", "--app", str(root / "my-app")) as server:
        yield server  # its CDN mirror answers the page's jsDelivr URLs: no internet needed


@pytest.fixture
def app_page(browser, readme_app):
    context = browser.new_context()
    outside = []
    context.route(lambda url: not url.startswith(readme_app.url),
                  lambda route: outside.append(route.request.url) or route.abort())
    page = context.new_page()
    yield page, outside
    context.close()


@pytest.mark.parametrize("page_file", ["index.html", "mpy.html"])
def test_the_readme_app_shows_hides_and_reports_decisions(app_page, readme_app, page_file):
    page, outside = app_page
    errors = console_errors_of(page)
    page.goto(f"{readme_app.url}/{page_file}")
    show = page.get_by_role("button", name="Show return requests")
    expect(show).to_be_enabled(timeout=WIDGET_TIMEOUT_MS)  # Python is ready

    show.dblclick()  # a double click: one widget, no error
    wait_for_requests(page)
    expect(page.get_by_test_id("mr-root")).to_have_count(1)
    expect(page.locator("#message")).to_be_empty()

    return_id = pending_ids(page)[0]
    accept(page, return_id)
    expect(page.locator("#message")).to_have_text(re.compile(rf"^Return {return_id}: APPROVE_"))

    page.get_by_role("button", name="Hide").click()
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#returns")).to_be_empty()
    show.click()
    page.get_by_role("button", name="Hide").click()  # hidden while still loading: no error
    show.click()
    wait_for_requests(page)
    expect(page.get_by_test_id("mr-root")).to_have_count(1, timeout=WIDGET_TIMEOUT_MS)
    expect(page.locator("#message")).to_have_text(re.compile(r"^(Return \d+: APPROVE_\w+)?$"))
    assert errors == [] and outside == []


@pytest.mark.parametrize("page_file", ["index.html", "mpy.html"])
def test_a_config_to_fix_is_said_on_the_page_in_the_same_words_on_both_interpreters(
        app_page, readme_app, page_file):
    page, outside = app_page
    errors = console_errors_of(page)
    # The developer forgot the app key and misspelled the ISV name's key.
    page.route(f"{readme_app.url}/pyscript.toml", lambda route: route.fulfill(
        body=re.sub(r'(?m)^app_key = .*\n', "", route.fetch().text()).replace("isv_name =", "isv =", 1),
        content_type="application/toml"))
    page.goto(f"{readme_app.url}/{page_file}")

    expect(page.locator("#message")).to_have_text(
        "Fix the [tiktok_widgets] section of pyscript.toml: unknown key 'isv' (known: backend_url, "
        "shop_id, region, app_key, isv_name, token_url, widgets, source, entries, partner_type, "
        "locale, resource_region, sdk_url, token_timeout); app_key is missing; isv_name is "
        "missing.", timeout=WIDGET_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Show return requests")).to_be_disabled()
    assert errors == [] and outside == []
