"""The site: the demo page, its config, the Python it runs and the examples.

    routes = site.routes(PROJECT_ROOT, mirror)   # mirror=None serves pages untouched

Only the files a browser needs are served (``SITE_FILES`` and ``SITE_DIRS``);
the rest of the checkout (data dir, secrets, virtualenv, .git) is never
reachable. Pages revalidate on every load (``no-cache`` with an ETag), so an
edit shows up on reload. With a mirror, jsDelivr URLs in pages and in
``pyscript.toml`` are pointed at it, and a PyScript config that leaves the
interpreter to PyScript's default gets the mirrored one (``?interpreter=
micropython`` for MicroPython), so the site works with no internet.
"""

import os
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from .cdn_mirror import CDN_ORIGIN, CdnMirror

SITE_FILES = ("index.html", "pyscript.toml")
SITE_DIRS = ("assets", "examples", "bench/pages", "src/tiktokshop_widgets", "src/returns_app")
# Files whose jsDelivr URLs the browser follows itself: rewritten in mirror mode.
REWRITTEN_SUFFIXES = (".html", ".toml")
CDN_URL = re.compile(re.escape(CDN_ORIGIN) + r"/[^\s\"'`<>)]+")


def routes(site_root: Path, mirror: CdnMirror | None) -> list:
    return [Mount("/", app=SiteFiles(site_root, mirror), name="site")]


def pinned_cdn_urls(site_root: Path) -> list[tuple[str, str]]:
    """Every jsDelivr URL the site's files name, as (file, url) pairs."""
    found = []
    for path in _site_paths(site_root):
        if path.suffix in (".html", ".toml", ".py", ".js", ".mjs"):
            for url in CDN_URL.findall(path.read_text(encoding="utf-8")):
                found.append((path.relative_to(site_root).as_posix(), url))
    return found


def _site_paths(site_root: Path):
    for name in SITE_FILES:
        if (site_root / name).is_file():
            yield site_root / name
    for name in SITE_DIRS:
        for path in sorted((site_root / name).rglob("*")):
            if path.is_file() and _is_public(path.relative_to(site_root).as_posix()):
                yield path


def _is_public(relative: str) -> bool:
    parts = relative.split("/")
    if any(p.startswith(".") or p == "__pycache__" for p in parts):
        return False
    return relative in SITE_FILES or any(
        relative == d or relative.startswith(d + "/") for d in SITE_DIRS
    )


class SiteFiles(StaticFiles):
    def __init__(self, site_root: Path, mirror: CdnMirror | None):
        super().__init__(directory=site_root, html=True)
        self.mirror = mirror

    def lookup_path(self, path: str):
        relative = os.path.normpath(path).replace(os.sep, "/")
        if relative != "." and not _is_public(relative):
            return "", None
        return super().lookup_path(path)

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "no-cache"
        if (
            self.mirror is not None
            and isinstance(response, FileResponse)
            and str(full_path).endswith(REWRITTEN_SUFFIXES)
        ):
            # Same file, same rewrite: the file's ETag stays valid for the result.
            text = Path(full_path).read_text(encoding="utf-8")
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            if str(full_path).endswith(".toml"):
                interpreter = Request(scope).query_params.get("interpreter", "")
                body = self.mirror.rewrite_config(text, interpreter)
            else:
                body = self.mirror.rewrite(text)
            return Response(body, status_code, headers=headers)
        return response
