"""The library as another PyScript app takes it: a pure-Python wheel that micropip
installs inside Pyodide, from which the widget mounts."""

import json
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import expect

from devserver.settings import PROJECT_ROOT

from testsupport.versions import locked_version, pyodide_url, pyscript_core_url
from .returns_widget import WIDGET_TIMEOUT_MS, wait_for_requests


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
         str(PROJECT_ROOT)],
        check=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_is_pure_python_with_only_the_library(wheel):
    assert wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("/METADATA"))).decode()
    packages = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert packages == {"tiktokshop_widgets"}
    library = sorted(p.name for p in (PROJECT_ROOT / "src/tiktokshop_widgets").glob("*.py"))
    assert sorted(n.split("/")[-1] for n in names if n.startswith("tiktokshop_widgets/")) == library
    # Only optional extras need anything: micropip installs it alone.
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert all("extra ==" in line for line in requirements)


def wheel_page(wheel_url: str) -> str:
    config = {"interpreter": pyodide_url(), "packages": [wheel_url],
              "plugins": ["!error"]}
    sdk_url = (f"https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@"
               f"{locked_version('@tiktokshop/widget-kit')}/dist/es/index.js")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="{pyscript_core_url()}"></script></head>
<body><p id="state">installing</p><div id="returns"></div>
<script type="py" config='{json.dumps(config)}'>
from pyscript import document
from tiktokshop_widgets import MANAGE_RETURNS, WidgetConfig, WidgetKit

config = WidgetConfig(
    shop_id="7495610000000000001", region="US", app_key="6sandboxapp01",
    isv_name="WHEEL_TEST", token_url="/api/v1/widget/access_token",
    sdk_url="{sdk_url}", source="sandbox",
    entries={{MANAGE_RETURNS: "/sandbox/widgets/reverse/1.0.0/manifest.json"}})
view = await WidgetKit(config).mount(MANAGE_RETURNS, "#returns")
document.getElementById("state").textContent = view.state
</script></body></html>"""


def test_micropip_installs_the_wheel_in_pyodide_and_the_widget_mounts(
        page, server, wheel, console_errors, outside_requests):
    app_url = server.url + "/another-app/"
    files = {"index.html": (wheel_page(app_url + wheel.name).encode(), "text/html"),
             wheel.name: (wheel.read_bytes(), "application/zip")}

    def another_app(route):
        body, media_type = files[route.request.url.rsplit("/", 1)[-1]]
        route.fulfill(body=body, content_type=media_type)

    page.route(app_url + "**", another_app)
    micropip = []
    page.on("request", lambda r: "/micropip-" in r.url and micropip.append(r.url))
    # In the dev server every browser is the demo seller, connected to this shop.
    assert page.request.get(server.url + "/api/v1/seller").ok
    page.goto(app_url + "index.html")

    expect(page.locator("#state")).to_have_text("mounted", timeout=WIDGET_TIMEOUT_MS)
    wait_for_requests(page)
    assert micropip and micropip[0].startswith("https://cdn.jsdelivr.net/pyodide/")
    assert console_errors == [] and outside_requests == []
