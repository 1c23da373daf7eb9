"""The widget platform's delivery side: resource-URL search, manifest and widget scripts.

    POST <sandbox>/api/bso/v1/widget/resource_url/search
    {"widget_release_key": {"widget_name": "@tiktokshop-widget/reverse:ManageReturns"}}
    -> {"code": 0, "message": "success", "data": {"resource_url": {
           "va_url": "http://127.0.0.1:8000/sandbox/widgets/reverse/1.0.0/manifest.json",
           "ttp_url": "<the same>"}}}
    GET <sandbox>/widgets/reverse/1.0.0/manifest.json     the SDK's widget manifest
    GET <sandbox>/widgets/reverse/1.0.0/remote-entry.js   the container the SDK loads
    GET <sandbox>/widgets/reverse/1.0.0/manage-returns.js the widget itself (ES module)

(``<sandbox>``: wherever the sandbox app is mounted, ``/sandbox`` in the dev
server.) The search sits at the very path widget-kit posts to on TikTok's
resource host (``https://api-widget-sg.tiktokshop.com``), under the sandbox's
mount, so a test can route that host to ``<sandbox>``.
widget-kit posts a JSON string without a content type (so, as text/plain),
which this endpoint parses all the same. Every URL handed out is absolute and
built from the request's own base URL, so it points back at whichever address
the caller reached the sandbox under.

The page loading the widget may be on any origin, so all of these answer CORS
for any origin: the search through CORSMiddleware (it is a POST a page might
send with a JSON content type, which needs a preflight), the files with a plain
``access-control-allow-origin: *`` since widget-kit loads them with
``crossorigin="anonymous"`` and never sends credentials.
"""

import json
from pathlib import Path

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from . import errors
from .replies import tiktok_reply

WIDGET_NAME = "@tiktokshop-widget/reverse:ManageReturns"
WIDGET_VERSION = "1.0.0"
WIDGET_PATH = f"/widgets/reverse/{WIDGET_VERSION}/"
MANIFEST_FILE = "manifest.json"
ENTRY_FILE = "remote-entry.js"
RESOURCE_SEARCH_MOUNT = "/api/bso/v1/widget"
RESOURCE_SEARCH_ROUTE = "/resource_url/search"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# The files the manifest leads to; nothing else in static/ is served.
WIDGET_FILES = (ENTRY_FILE, "manage-returns.js")
MAX_SEARCH_BODY_BYTES = 4096
# The widget may change under a running server (it is being developed): have
# browsers revalidate every time instead of caching a stale copy.
FILE_HEADERS = {"access-control-allow-origin": "*", "cache-control": "no-cache"}


def routes() -> list:
    return [
        Mount(
            RESOURCE_SEARCH_MOUNT,
            routes=[Route(RESOURCE_SEARCH_ROUTE, resource_url_search, methods=["POST"])],
            middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["POST"],
                                   allow_headers=["content-type"])],
            name="widget_resource_url",
        ),
        Route(WIDGET_PATH + MANIFEST_FILE, manifest, name="widget_manifest"),
        Route(WIDGET_PATH + "{file}", widget_file, name="widget_file"),
    ]


async def resource_url_search(request: Request) -> JSONResponse:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_SEARCH_BODY_BYTES:
            break  # no widget name is that long: refuse without reading on
    widget_name = None
    if len(body) <= MAX_SEARCH_BODY_BYTES:
        try:
            release_key = json.loads(bytes(body)).get("widget_release_key")
            widget_name = release_key.get("widget_name")
        except (ValueError, RecursionError, AttributeError):
            widget_name = None
    if not isinstance(widget_name, str):
        return tiktok_reply(400, errors.INVALID_PARAMETER,
                          'the body must be {"widget_release_key": {"widget_name": "..."}}')
    if widget_name != WIDGET_NAME:
        return tiktok_reply(404, errors.WIDGET_NOT_FOUND,
                          f"no released widget is named {widget_name[:200]!r}")
    manifest_url = str(request.url_for("widget_manifest"))
    return tiktok_reply(200, 0, "success",
                      {"resource_url": {"va_url": manifest_url, "ttp_url": manifest_url}})


def manifest(request: Request) -> JSONResponse:
    public_path = str(request.url_for("widget_manifest")).removesuffix(MANIFEST_FILE)
    return JSONResponse(
        {
            "meta": {
                "type": "module",
                # widget-kit splits this on ":" into the container scope and the expose.
                "name": WIDGET_NAME,
                "publicPath": _sdk_public_path(public_path),
                "entry": ENTRY_FILE,
                "version": WIDGET_VERSION,
            },
            "assets": {"js": {"sync": [], "async": []}, "css": {"sync": [], "async": []}},
        },
        headers=FILE_HEADERS,
    )


def widget_file(request: Request) -> Response:
    name = request.path_params["file"]
    if name not in WIDGET_FILES:
        return PlainTextResponse(f"no widget file {name}", 404, headers=FILE_HEADERS)
    return FileResponse(STATIC_DIR / name, media_type="text/javascript", headers=FILE_HEADERS)


def _sdk_public_path(url: str) -> str:
    """publicPath as widget-kit 1.0.4 reads it.

    widget-kit evaluates a publicPath containing "return" as a function body
    (``new Function(publicPath)()``), so a URL with "return" in it (a host like
    returns.example.com) must be handed over as code that returns it.
    """
    return f"return {json.dumps(url)};" if "return" in url else url
