"""The site: the demo page, its config, the Python it runs and the examples.

    routes = site.routes(PROJECT_ROOT, mirror)   # mirror=None: jsDelivr URLs kept
    routes = site.routes(PROJECT_ROOT, mirror, app_dir=Path("~/my-app"))

Only the files a browser needs are served (``SITE_FILES`` and ``SITE_DIRS``);
the rest of the checkout (data dir, secrets, virtualenv, .git) is never
reachable. Pages, configs and scripts get the page manifest's lists
(``page_manifest``) and, with a mirror, their jsDelivr URLs pointed at it, so
the site works with no internet (the mirror serves PyScript core's default
interpreter URLs too: either interpreter, configs untouched); the archive of
modules a config names is built from them on request. Pages
revalidate on every load (``no-cache`` with an ETag), so an edit shows up on
reload. ``app_dir``: a developer's own PyScript app folder, served at ``/`` in
front of the site's files.
"""

import hashlib
import mimetypes
import os
import re
from pathlib import Path

import anyio.to_thread

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles

from .cdn_mirror import CDN_ORIGIN, CdnMirror
from .page_manifest import ARCHIVE, COMPILED_STDLIB, ManifestError, PageManifest

SITE_FILES = ("index.html", "pyscript.toml")
SITE_DIRS = ("assets", "examples", "bench/pages", "src/tiktokshop_widgets", "src/returns_app")
# Files rendered on the way out: the page manifest's lists filled in and, in
# mirror mode, the jsDelivr URLs the browser follows pointed at the mirror.
RENDERED_SUFFIXES = (".html", ".toml", ".js", ".mjs", ".py")
CDN_URL = re.compile(re.escape(CDN_ORIGIN) + r"/[^\s\"'`<>)]+")


def routes(site_root: Path, mirror: CdnMirror | None, app_dir: Path | None = None) -> list:
    manifest = PageManifest(site_root)
    files = SiteFiles(site_root, mirror, manifest.render,
                      generated={COMPILED_STDLIB: manifest.compiled_stdlib},
                      built=lambda relative: _archive(manifest, relative))
    if app_dir is not None:
        files = AppFiles(app_dir, mirror, behind=files)
    return [Mount("/", app=files, name="site")]


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


def _archive(manifest: PageManifest, relative: str) -> bytes | None:
    """The archive of public packages' modules at ``relative``, if that is one."""
    match = ARCHIVE.match(relative)
    if match is None:
        return None
    packages = match.group("packages").split("+")
    if any(f"src/{package}" not in SITE_DIRS for package in packages):
        return None
    try:
        return manifest.archive(packages)
    except ManifestError:  # a package with no modules
        return None


def _is_public(relative: str) -> bool:
    parts = relative.split("/")
    if any(p.startswith(".") or p == "__pycache__" for p in parts):
        return False
    return relative in SITE_FILES or any(
        relative == d or relative.startswith(d + "/") for d in SITE_DIRS
    )


class SiteFiles(StaticFiles):
    """A folder's public files; pages, configs and scripts rendered on the way out
    (``render``), with an ETag of what is sent, since that changes when the
    manifest does (a module added) as well as when the file does."""

    def __init__(self, directory: Path, mirror: CdnMirror | None, render=None, generated=None,
                 built=None):
        super().__init__(directory=directory, html=True)
        self.root = Path(directory)
        self.mirror = mirror
        self.render = render
        # {site path: where it is}: files built from others (by ./dev), not in the checkout.
        self.generated = generated or {}
        # site path -> its bytes, or None: files built on request (the modules' archives).
        self.built = built

    async def get_response(self, path: str, scope) -> Response:
        relative = os.path.normpath(path).replace(os.sep, "/")
        body = None if self.built is None else await anyio.to_thread.run_sync(self.built, relative)
        if body is None:
            return await super().get_response(path, scope)
        headers = {"cache-control": "no-cache",
                   "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"'}
        if self.is_not_modified(headers, Headers(scope=scope)):
            return NotModifiedResponse(headers)
        # Gzipped already: application/gzip, which the GZip middleware leaves alone.
        return Response(body, headers=headers, media_type="application/gzip")

    def lookup_path(self, path: str):
        relative = os.path.normpath(path).replace(os.sep, "/")
        if relative in self.generated:
            try:
                built = self.generated[relative]()
                return str(built), os.stat(built)
            except (OSError, LookupError):  # not built, or no lock to say which
                return "", None
        if relative != "." and not self.is_public(relative):
            return "", None
        return super().lookup_path(path)

    def is_public(self, relative: str) -> bool:
        return _is_public(relative)

    def file_response(self, full_path, stat_result, scope, status_code=200):
        if not str(full_path).endswith(RENDERED_SUFFIXES):
            response = super().file_response(full_path, stat_result, scope, status_code)
            response.headers["cache-control"] = "no-cache"
            return response
        body = Path(full_path).read_text(encoding="utf-8")
        if self.render is not None:
            # StaticFiles hands out real paths: the root may be reached through a link.
            relative = os.path.relpath(full_path, os.path.realpath(self.root))
            body = self.render(relative.replace(os.sep, "/"), body)
        if self.mirror is not None:
            body = self.mirror.rewrite(body)
        encoded = body.encode()
        headers = {"cache-control": "no-cache",
                   "etag": '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'}
        if self.is_not_modified(headers, Headers(scope=scope)):
            return NotModifiedResponse(headers)
        media_type = mimetypes.guess_type(str(full_path))[0] or "text/plain"
        return Response(encoded, status_code, headers=headers, media_type=media_type)


class AppFiles(SiteFiles):
    """A developer's PyScript app folder (``serve.py --app``), every file in it
    but hidden ones, served at ``/`` in front of the site (its assets and the
    library's packages stay reachable behind it)."""

    def __init__(self, directory: Path, mirror: CdnMirror | None, behind: SiteFiles):
        super().__init__(directory, mirror)
        self.behind = behind

    def is_public(self, relative: str) -> bool:
        return not any(p.startswith(".") or p == "__pycache__" for p in relative.split("/"))

    async def get_response(self, path: str, scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            return await self.behind.get_response(path, scope)
