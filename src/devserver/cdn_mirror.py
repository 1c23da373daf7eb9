"""A local mirror of the jsDelivr URLs the site uses, served from node_modules.

    mirror = CdnMirror(PROJECT_ROOT / "node_modules")
    mirror.local_path("npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js")
    # -> node_modules/@tiktokshop/widget-kit/dist/es/index.js
    mirror.rewrite('<script src="https://cdn.jsdelivr.net/npm/x@1/a.js">')
    # -> '<script src="/cdn/npm/x@1/a.js">'

``https://cdn.jsdelivr.net/<path>`` is served as ``/cdn/<path>`` with the very
bytes npm installed, for the exact version in the URL and no other:

- ``npm/<package>@<version>/<file>``: ``node_modules/<package>/<file>``;
- ``pyodide/v<version>/full/<file>``: Pyodide's official CDN layout, from
  ``node_modules/pyodide`` (the npm package carries the same core files).

Files are immutable per version, so they are cached for a year and compressed
once, in memory, rather than on every request.
"""

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

CDN_ORIGIN = "https://cdn.jsdelivr.net"
MIRROR_PREFIX = "/cdn"
IMMUTABLE = "public, max-age=31536000, immutable"
NPM_PATH = re.compile(r"^npm/((?:@[^/@]+/)?[^/@]+)@([^/]+)/(.+)$")
PYODIDE_PATH = re.compile(r"^pyodide/v([^/]+)/full/(.+)$")
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/wasm")


class MirrorMiss(LookupError):
    """A CDN path the mirror cannot serve; the message says why."""


class PinMismatch(RuntimeError):
    """The site pins a version that npm did not install."""


class CdnMirror:
    def __init__(self, node_modules: Path):
        self.node_modules = node_modules

    def rewrite(self, text: str) -> str:
        """Point every jsDelivr URL in a page at this mirror."""
        return text.replace(CDN_ORIGIN + "/", MIRROR_PREFIX + "/")

    def installed_version(self, package: str) -> str | None:
        try:
            manifest = json.loads((self.node_modules / package / "package.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return manifest.get("version")

    def package_and_version(self, cdn_path: str) -> tuple[str, str, str]:
        """(npm package, version, file inside the package) for a CDN path."""
        if match := NPM_PATH.match(cdn_path):
            return match.group(1), match.group(2), match.group(3)
        if match := PYODIDE_PATH.match(cdn_path):
            return "pyodide", match.group(1), match.group(2)
        raise MirrorMiss(f"not a jsDelivr npm or Pyodide URL: /{cdn_path}")

    def local_path(self, cdn_path: str) -> Path:
        package, version, file = self.package_and_version(cdn_path)
        installed = self.installed_version(package)
        if installed is None:
            raise MirrorMiss(f"{package} is not installed: run npm ci")
        if installed != version:
            raise MirrorMiss(f"{package}@{version} is not installed (node_modules has {installed})")
        root = (self.node_modules / package).resolve()
        path = (root / file).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise MirrorMiss(f"{package}@{version} has no file {file}")
        return path

    def check_pins(self, pinned: list[tuple[str, str]]) -> None:
        """Raise PinMismatch naming each (file, URL) whose version npm did not install."""
        problems = []
        for source, url in pinned:
            try:
                package, version, _ = self.package_and_version(url[len(CDN_ORIGIN) + 1 :])
            except MirrorMiss as exc:
                problems.append(f"{source}: {exc}")
                continue
            installed = self.installed_version(package)
            if not EXACT_VERSION.match(version):
                problems.append(f"{source}: {package}@{version} is not an exact version")
            elif installed != version:
                problems.append(
                    f"{source} pins {package}@{version} but node_modules has "
                    f"{package}@{installed or '(not installed)'}"
                )
        if problems:
            raise PinMismatch(
                "CDN pins and npm installs differ; update the pin or package.json "
                "and run npm ci:\n  " + "\n  ".join(sorted(set(problems)))
            )

    def routes(self) -> list:
        return [Route(MIRROR_PREFIX + "/{path:path}", self.serve, name="cdn_mirror")]

    async def serve(self, request: Request) -> Response:
        try:
            path = self.local_path(request.path_params["path"])
        except MirrorMiss as exc:
            return PlainTextResponse(str(exc), 404, headers={"access-control-allow-origin": "*"})
        headers = {"cache-control": IMMUTABLE, "access-control-allow-origin": "*"}
        response = FileResponse(path, headers=headers)
        media_type = response.media_type or ""
        if media_type.startswith(COMPRESSIBLE) and "gzip" in request.headers.get(
            "accept-encoding", ""
        ):
            body = await anyio.to_thread.run_sync(_gzipped, path)
            headers.update({"content-encoding": "gzip", "vary": "accept-encoding"})
            return Response(body, media_type=media_type, headers=headers)
        return response


@lru_cache(maxsize=64)
def _gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
