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
  ``node_modules/pyodide`` (the npm package carries the same core files) and,
  for Pyodide's own packages such as micropip, the PyPI wheels in
  ``pyodide_packages`` (see ``pyodide-packages.txt``). Pyodide checks each
  package against the sha256 in ``pyodide-lock.json``, and PyPI's wheels are
  not the bytes Pyodide built, so the lock is served with those entries
  pointing at the wheels served here.

PyScript core's modules are served with their jsDelivr URLs pointed at the
mirror too: core builds each interpreter's default URL (Pyodide's
``pyodide.mjs``, MicroPython's ``micropython.mjs``) from jsDelivr's origin,
and a page that loads core from the mirror then gets either interpreter from
it, whatever its script's type, with its config untouched. Those and the lock
are the files that differ from the CDN.

Files are immutable per version, so they are cached for a year and compressed
once, in memory, rather than on every request.
"""

import gzip
import hashlib
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
PYODIDE_LOCK = "pyodide-lock.json"
PYSCRIPT_CORE = "@pyscript/core"


class MirrorMiss(LookupError):
    """A CDN path the mirror cannot serve; the message says why."""


class PinMismatch(RuntimeError):
    """The site pins a version that npm did not install."""


def parse_cdn_path(cdn_path: str) -> tuple[str, str, str]:
    """(npm package, version, file inside the package) of a jsDelivr path."""
    if match := NPM_PATH.match(cdn_path):
        return match.group(1), match.group(2), match.group(3)
    if match := PYODIDE_PATH.match(cdn_path):
        return "pyodide", match.group(1), match.group(2)
    raise MirrorMiss(f"not a jsDelivr npm or Pyodide URL: /{cdn_path}")


class CdnMirror:
    def __init__(self, node_modules: Path, pyodide_packages: Path | None = None):
        self.node_modules = node_modules
        self.pyodide_packages = pyodide_packages

    def rewrite(self, text: str) -> str:
        """Point every jsDelivr URL in a page or config at this mirror."""
        return text.replace(CDN_ORIGIN + "/", MIRROR_PREFIX + "/")

    def installed_version(self, package: str) -> str | None:
        try:
            manifest = json.loads((self.node_modules / package / "package.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return manifest.get("version")

    def local_path(self, cdn_path: str) -> Path:
        package, version, file = parse_cdn_path(cdn_path)
        installed = self.installed_version(package)
        if installed is None:
            raise MirrorMiss(f"{package} is not installed: run npm ci")
        if installed != version:
            raise MirrorMiss(f"{package}@{version} is not installed (node_modules has {installed})")
        roots = [self.node_modules / package]
        if package == "pyodide" and self.pyodide_packages is not None:
            roots.append(self.pyodide_packages)
        for root in roots:
            root = root.resolve()
            path = (root / file).resolve()
            if path.is_relative_to(root) and path.is_file():
                return path
        raise MirrorMiss(f"{package}@{version} has no file {file}")

    def body(self, cdn_path: str) -> bytes:
        """What the CDN path serves: the file's bytes (Pyodide's lock and
        PyScript core's modules, adjusted)."""
        path = self.local_path(cdn_path)
        if path.name == PYODIDE_LOCK and self.pyodide_packages is not None:
            return _lock_for_wheels(path, self.pyodide_packages)
        if _points_at_the_cdn(cdn_path):
            return self.rewrite(path.read_text(encoding="utf-8")).encode()
        return path.read_bytes()

    def check_pins(self, pinned: list[tuple[str, str]]) -> None:
        """Raise PinMismatch naming each (file, URL) whose version npm did not install."""
        problems = []
        for source, url in pinned:
            try:
                package, version, _ = parse_cdn_path(url[len(CDN_ORIGIN) + 1 :])
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
        gzip_ok = "gzip" in request.headers.get("accept-encoding", "")
        if media_type.startswith(COMPRESSIBLE) and gzip_ok:
            body = await anyio.to_thread.run_sync(_gzipped, self, request.path_params["path"])
            headers.update({"content-encoding": "gzip", "vary": "accept-encoding"})
            return Response(body, media_type=media_type, headers=headers)
        if path.name == PYODIDE_LOCK or _points_at_the_cdn(request.path_params["path"]):
            return Response(self.body(request.path_params["path"]), media_type=media_type,
                            headers=headers)
        return response


def _points_at_the_cdn(cdn_path: str) -> bool:
    """A PyScript core module, which names jsDelivr URLs the browser follows."""
    return cdn_path.startswith(f"npm/{PYSCRIPT_CORE}@") and cdn_path.endswith(".js")


@lru_cache(maxsize=64)
def _gzipped(mirror: CdnMirror, cdn_path: str) -> bytes:
    return gzip.compress(mirror.body(cdn_path), compresslevel=6, mtime=0)


@lru_cache(maxsize=4)
def _lock_for_wheels(lock_path: Path, wheels: Path) -> bytes:
    lock = json.loads(lock_path.read_bytes())
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        entry = lock["packages"].get(name.lower().replace("_", "-"))
        if entry is not None and entry["version"] == version:
            entry["file_name"] = wheel.name
            entry["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return json.dumps(lock, separators=(",", ":")).encode()
