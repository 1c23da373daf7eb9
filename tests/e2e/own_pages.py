"""Pages a test writes itself, served on the session server's origin through a route.

    serve_page(page, server, "/my-test/", main_py, {"app_key": "6wrongappkey"})
    page.goto(server.url + "/my-test/")

The page is PyScript on the interpreter the test names, with the demo's
interpreter module (either interpreter, from the mirror), the library's modules
from the server's /src/tiktokshop_widgets/ and a ``[tiktok_widgets]`` section
for the sandbox; its backend is the server's own.
"""

import re

from devserver.settings import PROJECT_ROOT
from testsupport.versions import pyscript_core_url

LIBRARY = sorted((PROJECT_ROOT / "src/tiktokshop_widgets").glob("*.py"))
WIDGET_SETTINGS = {
    "backend_url": "/",
    "app_key": "6sandboxapp01",
    "isv_name": "E2E_OWN_PAGE",
    "widgets": ["@tiktokshop-widget/reverse:ManageReturns"],
    "sdk_url": "https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js",
    "source": "sandbox",
}
ENTRY = '"@tiktokshop-widget/reverse:ManageReturns" = "/sandbox/widgets/reverse/1.0.0/manifest.json"'


def toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return '"' + value + '"'


def pyscript_config(settings: dict) -> str:
    return "\n".join([
        'interpreter = "/assets/python.mjs"',
        'plugins = ["!error"]',
        "",
        "[files]",
        *(f'"/src/tiktokshop_widgets/{path.name}" = "./tiktokshop_widgets/"' for path in LIBRARY),
        "",
        "[tiktok_widgets]",
        *(f"{key} = {toml_value(value)}" for key, value in settings.items()),
        "",
        "[tiktok_widgets.entries]",
        ENTRY,
    ])


def page_html(script_type: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A test's own page</title>
<link rel="icon" href="data:,">
<script type="module" src="{pyscript_core_url()}"></script></head>
<body>
{body}
<script type="{script_type}" src="./main.py" config="./pyscript.toml"></script>
</body></html>"""


def serve_page(page, server, path: str, interpreter: str, body: str, main: str,
               settings: dict | None = None) -> str:
    """Serve the page at ``path`` (a folder, "/name/") to ``page``; returns its URL."""
    files = {
        "": page_html("mpy" if interpreter == "micropython" else "py", body),
        "main.py": main,
        "pyscript.toml": pyscript_config({**WIDGET_SETTINGS, **(settings or {})}),
    }
    page.route(re.compile(re.escape(server.url + path) + r"[^?]*"),
               lambda route: route.fulfill(
                   body=files[route.request.url.rsplit("/", 1)[1]],
                   content_type="text/html" if route.request.url.endswith("/") else "text/plain"))
    return server.url + path
