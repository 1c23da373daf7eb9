"""A developer's own PyScript app, in a folder of its own, under ``serve.py --app``:
served at / with the CDN mirror, the token endpoint and the sandbox, on either
interpreter chosen the one way any PyScript page does (``type="py"`` or
``type="mpy"``), with no internet, no file moved and no config trick."""

import pytest
from playwright.sync_api import expect

from devserver.settings import PROJECT_ROOT

from testsupport.servers import run_server
from testsupport.versions import locked_version, pyscript_core_url
from .returns_widget import WIDGET_TIMEOUT_MS, wait_for_requests

MAIN = f"""from pyscript import document
from tiktokshop_widgets import MANAGE_RETURNS, WidgetConfig, WidgetKit

config = WidgetConfig(
    shop_id="7495610000000000001", region="US", app_key="6sandboxapp01",
    isv_name="OWN_APP_TEST", token_url="/api/v1/widget/access_token",
    sdk_url="https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@{locked_version('@tiktokshop/widget-kit')}/dist/es/index.js",
    source="sandbox",
    entries={{MANAGE_RETURNS: "/sandbox/widgets/reverse/1.0.0/manifest.json"}})
view = await WidgetKit(config).mount(MANAGE_RETURNS, "#returns")
document.getElementById("state").textContent = view.state
"""
INTERPRETER_FILE = {
    "py": f"/cdn/pyodide/v{locked_version('pyodide')}/full/pyodide.mjs",
    "mpy": "/cdn/npm/@micropython/micropython-webassembly-pyscript@"
           f"{locked_version('@micropython/micropython-webassembly-pyscript')}/micropython.mjs",
}


def write_app(folder, script_type):
    """The app: a page, its config shipping the library from the server's copy, main.py."""
    folder.mkdir()
    library = sorted((PROJECT_ROOT / "src/tiktokshop_widgets").glob("*.py"))
    files = "\n".join(f'"/src/tiktokshop_widgets/{p.name}" = "./tiktokshop_widgets/"'
                      for p in library)
    (folder / "pyscript.toml").write_text(f'plugins = ["!error"]\n\n[files]\n{files}\n')
    (folder / "main.py").write_text(MAIN)
    (folder / "index.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My app</title><link rel="icon" href="data:,">
<script type="module" src="{pyscript_core_url()}"></script></head>
<body><p id="state">starting</p><div id="returns"></div>
<script type="{script_type}" src="./main.py" config="./pyscript.toml"></script>
</body></html>""")


@pytest.fixture(params=["py", "mpy"])
def own_app(request, tmp_path):
    write_app(tmp_path / "my-app", request.param)
    with run_server(tmp_path / "server", "--app", str(tmp_path / "my-app")) as running:
        yield running, request.param


def test_an_app_in_its_own_folder_runs_offline_on_its_interpreter(browser, own_app):
    server, script_type = own_app
    context = browser.new_context()
    refused, loaded = [], []
    context.route(lambda url: not url.startswith(server.url),
                  lambda route: refused.append(route.request.url) or route.abort())
    page = context.new_page()
    page.on("request", lambda request: loaded.append(request.url))
    try:
        page.goto(server.url + "/")
        expect(page.locator("#state")).to_have_text("mounted", timeout=WIDGET_TIMEOUT_MS)
        wait_for_requests(page)
    finally:
        context.close()

    assert server.url + INTERPRETER_FILE[script_type] in loaded
    other = INTERPRETER_FILE["py" if script_type == "mpy" else "mpy"]
    assert server.url + other not in loaded
    assert refused == []
