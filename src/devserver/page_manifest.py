"""The page manifest: every list a page needs, worked out from one source.

    manifest = PageManifest(PROJECT_ROOT)
    manifest.render("pyscript.toml", text)   # its `# page-manifest: ...` lines filled in
    manifest.render("index.html", text, policy=content_security_policy([...]))
    manifest.render("index.html", text, configs={"pyscript.toml": pointed})   # the export

The source is what is on disk: the modules of the packages in ``src/`` (a new
module is shipped, preloaded and exported with no other change) and the
versions package-lock.json locks, with the files npm installed for them
(PyScript core's hashed chunk names; a version bump is one change). The dev
server renders every page, config and script it serves through ``render``,
the static export every file it writes, so the bench pages, the demo and the
export get the same lists.

A page asks for a list with a marker on a line of its own, which ``render``
replaces with the list (the line's indentation kept):

- ``# page-manifest: files PACKAGE...`` (TOML): the ``[files]`` entry that
  ships the packages' modules as one archive (``archive_path``, relative to
  the config's folder), which PyScript unpacks into its working folder: one
  request instead of one per module. The archive is built from the modules on
  disk (``archive``) by the dev server on request and by the static export,
  never kept;
- ``# page-manifest: plugins`` (TOML): the ``plugins`` line;
- ``<!-- page-manifest: preload PACKAGE... -->`` (HTML): a preload link for
  the packages' archive and for each entry point (``main.py``);
- ``<!-- page-manifest: csp -->`` (HTML): the Content-Security-Policy meta tag;
- ``<!-- page-manifest: who-am-i CONFIG -->`` (HTML): a preload of the backend's
  "who is the seller" request (``SellerAccount.load``), at the ``backend_url``
  of the page's config file ``CONFIG`` (as ``render`` is given it, else as it is
  on disk); none when the config names its shop, since the app then never asks;
- ``/* page-manifest: interpreter */`` (JS): ``CORE_CHUNKS``, ``NO_PLUGINS``
  and ``INTERPRETER_FILES`` for assets/interpreter.js;
- ``/* page-manifest: interpreter-urls */`` (JS): ``PYODIDE_VERSION``, the
  compiled stdlib's ``STDLIB_SHA256`` and the CDN folders ``PYODIDE`` and
  ``MICROPYTHON``, for assets/python.mjs.
"""

import gzip
import hashlib
import html
import io
import json
import os
import re
import tarfile
import tomllib
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath

from tiktokshop_widgets.backend import SELLER_PATH

CDN_ORIGIN = "https://cdn.jsdelivr.net"
# The host widget-kit 1.0.4 asks where a widget lives (hard-coded in the SDK).
TIKTOK_RESOURCE_HOST = "https://api-widget-sg.tiktokshop.com"
# PyScript's optional plugins, all off: the error plugin would print Python
# tracebacks on the page, which sellers should never see.
PLUGINS = ("!codemirror", "!deprecations-manager", "!donkey", "!error", "!py-editor",
           "!py-game", "!py-terminal")
# A package's module the page runs by its <script src> rather than imports.
ENTRY_POINT = "main.py"
PYSCRIPT_CORE = "@pyscript/core"
STDLIB_ZIP = "python_stdlib.zip"
# Where pages find the compiled stdlib: beside assets/python.mjs, which loads it.
COMPILED_STDLIB = "assets/" + STDLIB_ZIP
MICROPYTHON = "@micropython/micropython-webassembly-pyscript"
# Where the archive of some packages' modules is (``PageManifest.archive_path``).
ARCHIVE = re.compile(r"^src/(?P<packages>[a-z_][a-z0-9_]*(?:\+[a-z_][a-z0-9_]*)*)\.tar\.gz$")
# Its entries' time: the same bytes (and ETag) for the same modules.
ARCHIVE_TIME = 1577836800  # 2020-01-01
MARKER = re.compile(
    r"^(?P<indent>[ \t]*)(?:#|<!--|/\*) page-manifest: (?P<name>[a-z-]+)(?P<args>[^\n]*?)"
    r"[ \t]*(?:-->|\*/)?[ \t]*$", re.MULTILINE)


class ManifestError(LookupError):
    """A marker or a file the manifest needs is missing; the message says which."""


def content_security_policy(widget_origins=(), backend_origins=(), cdn_origins=(CDN_ORIGIN,)) -> str:
    """The page's policy: this site, jsDelivr, TikTok's lookup and the given origins.

    Widgets run scripts from their origin and call it; the backend is only
    called. 'unsafe-eval': widget-kit and PyScript build functions at run time;
    'wasm-unsafe-eval': the interpreter is WebAssembly; inline styles: the
    widget brings its own <style>. No inline scripts. ``cdn_origins=()``: the
    site serves PyScript and the interpreters itself (the export's --self-host-runtime).
    """
    scripts = ["'self'", *cdn_origins, *widget_origins, "'unsafe-eval'", "'wasm-unsafe-eval'"]
    connect = ["'self'", *cdn_origins, TIKTOK_RESOURCE_HOST, *widget_origins, *backend_origins]
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", scripts),
        ("style-src", ["'self'", *cdn_origins, "'unsafe-inline'"]),
        ("connect-src", list(dict.fromkeys(connect))),
        ("img-src", ["'self'", "data:"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
    ]
    return "; ".join(name + " " + " ".join(values) for name, values in directives)


class PageManifest:
    def __init__(self, site_root: Path, node_modules: Path | None = None):
        self.site_root = site_root
        self.node_modules = node_modules or site_root / "node_modules"

    def modules(self, package: str) -> list[str]:
        """The package's modules, as paths from the site root, sorted."""
        folder = self.site_root / "src" / package
        found = sorted(path.name for path in folder.glob("*.py"))
        if not found:
            raise ManifestError(f"no Python modules in {folder}")
        return [f"src/{package}/{name}" for name in found]

    def archive_path(self, packages) -> str:
        """Where the archive of ``packages``' modules is, from the site root."""
        return f"src/{'+'.join(packages)}.tar.gz"

    def archive(self, packages) -> bytes:
        """A gzipped tar of ``packages``' modules but their entry points, each at
        ``PACKAGE/MODULE.py``; the same bytes for the same modules.

        A tar rather than a zip: MicroPython reads it with its own tarfile and
        gzip; PyScript's zip reader would start a worker from a blob, which the
        page's policy refuses."""
        modules = [module for package in packages for module in self.modules(package)
                   if not module.endswith("/" + ENTRY_POINT)]
        # Built once per version of the modules: every page load asks for it.
        versions = []
        for module in modules:
            stat = (self.site_root / module).stat()
            versions.append((module, stat.st_mtime_ns, stat.st_size))
        return _archive_of(self.site_root, tuple(versions))

    def archives(self, text: str) -> dict[str, list[str]]:
        """{archive path: its packages} of the ``files`` markers in ``text``."""
        return {self.archive_path(packages): packages
                for packages in (match.group("args").split() for match in MARKER.finditer(text)
                                 if match.group("name") == "files")}

    @cached_property
    def locked(self) -> dict[str, str]:
        """{npm package: version} as package-lock.json locks them."""
        lock = json.loads((self.site_root / "package-lock.json").read_text())
        return {path.removeprefix("node_modules/"): entry["version"]
                for path, entry in lock["packages"].items() if path.startswith("node_modules/")}

    def version(self, package: str) -> str:
        try:
            return self.locked[package]
        except KeyError:
            raise ManifestError(f"package-lock.json locks no {package}") from None

    @cached_property
    def core_chunks(self) -> list[str]:
        """PyScript core's chunks a page always loads: core's own, its TOML
        parser and its error plugin (imported even when the config turns it off)."""
        dist = self.node_modules / PYSCRIPT_CORE / "dist"
        try:
            core = re.search(r'from\s*"\./(core-[\w-]+\.js)"', (dist / "core.js").read_text())
            chunk = (dist / core.group(1)).read_text()
        except (OSError, AttributeError):
            raise ManifestError(f"no PyScript core chunk found in {dist}: run npm ci") from None
        found = [core.group(1)]
        for pattern in (r'import\("\./(toml-[\w-]+\.js)"\)', r'error:\(\)=>import\("\./(error-[\w-]+\.js)"\)'):
            match = re.search(pattern, chunk)
            if match is None:
                raise ManifestError(f"{dist / core.group(1)} imports no {pattern}")
            found.append(match.group(1))
        return found

    def compiled_stdlib(self) -> Path:
        """Where ``./dev`` writes the locked Pyodide's stdlib compiled to bytecode
        (src/devserver/compile_stdlib.mjs), served as ``COMPILED_STDLIB``."""
        return self.site_root / ".cache" / "pyodide-stdlib" / self.version("pyodide") / STDLIB_ZIP

    def compiled_stdlib_sha256(self) -> str:
        """The compiled stdlib's digest (a snapshot is only good with its own), or
        "none" while it is not built."""
        try:
            return _sha256(self.compiled_stdlib())
        except OSError:
            return "none"

    def interpreter_files(self) -> dict:
        """Each interpreter's files, as jsDelivr paths: modules, then data."""
        pyodide = f"pyodide/v{self.version('pyodide')}/full/"
        micropython = f"npm/{MICROPYTHON}@{self.version(MICROPYTHON)}/"
        return {
            "pyodide": {
                "modules": [pyodide + "pyodide.mjs", pyodide + "pyodide.asm.mjs"],
                "data": [pyodide + name for name in
                         ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")],
            },
            "micropython": {"modules": [micropython + "micropython.mjs"],
                            "data": [micropython + "micropython.wasm"]},
        }

    def render(self, relative: str, text: str, policy: str | None = None,
               configs: dict[str, str] | None = None) -> str:
        """``text`` of the site's file ``relative`` with its markers filled in.

        ``configs``: {site path: text} of configs that differ from the files on
        disk (the export points them at its backend)."""
        folder = PurePosixPath(relative).parent

        def fill(match: re.Match) -> str:
            name, args = match.group("name"), match.group("args").split()
            lines = self._lines(name, args, folder, policy, configs or {})
            return "\n".join(match.group("indent") + line for line in lines)

        return MARKER.sub(fill, text)

    def who_am_i_url(self, config: str, configs: dict[str, str] | None = None) -> str | None:
        """The URL a page on the config ``config`` (a site path) asks who the seller
        is, or None if it never asks (its config names the shop, or no backend).
        ``configs``: as ``render``'s."""
        try:
            text = (configs or {}).get(config)
            text = (self.site_root / config).read_text() if text is None else text
            widgets = tomllib.loads(text).get("tiktok_widgets", {})
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ManifestError(f"{config}: {error}") from None
        backend_url = widgets.get("backend_url")
        if not isinstance(backend_url, str) or widgets.get("shop_id"):
            return None
        # As tiktokshop_widgets.Backend.url builds it.
        return backend_url.rstrip("/") + SELLER_PATH

    def _lines(self, name, packages, folder, policy, configs) -> list[str]:
        if name == "files":
            for package in packages:
                self.modules(package)  # ManifestError for a package with none
            return [f'{json.dumps(_relative(self.archive_path(packages), folder))} = "./*"']
        if name == "plugins":
            return [f"plugins = {json.dumps(list(PLUGINS))}"]
        if name == "preload":
            fetched = [self.archive_path(packages)] + [
                module for package in packages for module in self.modules(package)
                if module.endswith("/" + ENTRY_POINT)]
            return [f'<link rel="preload" as="fetch" crossorigin="anonymous" '
                    f'href="{html.escape(_relative(path, folder))}">' for path in fetched]
        if name == "who-am-i":
            if len(packages) != 1:
                raise ManifestError("page-manifest: who-am-i names the page's config file")
            url = self.who_am_i_url((folder / packages[0]).as_posix(), configs)
            # use-credentials: the app's fetch sends the seller's cookie, and a
            # preload is only used by a request that asks as it did.
            return [] if url is None else [
                f'<link rel="preload" as="fetch" crossorigin="use-credentials" '
                f'href="{html.escape(url)}">']
        if name == "csp":
            content = html.escape(policy or content_security_policy(), quote=False).replace('"', "&quot;")
            return [f'<meta http-equiv="Content-Security-Policy" content="{content}">']
        if name == "interpreter":
            return [f"const CORE_CHUNKS = {json.dumps(self.core_chunks)};",
                    f"const NO_PLUGINS = {json.dumps('plugins = ' + json.dumps(list(PLUGINS)))};",
                    f"const INTERPRETER_FILES = {json.dumps(self.interpreter_files())};"]
        if name == "interpreter-urls":
            files = self.interpreter_files()
            return [f"const PYODIDE_VERSION = {json.dumps(self.version('pyodide'))};",
                    f"const STDLIB_SHA256 = {json.dumps(self.compiled_stdlib_sha256())};",
                    *(f"const {constant} = {json.dumps(CDN_ORIGIN + '/' + files[key]['modules'][0].rsplit('/', 1)[0] + '/')};"
                      for constant, key in (("PYODIDE", "pyodide"), ("MICROPYTHON", "micropython")))]
        raise ManifestError(f"unknown page-manifest marker: {name}")


@lru_cache(maxsize=4)
def _sha256_of(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@lru_cache(maxsize=8)
def _archive_of(site_root: Path, modules: tuple) -> bytes:
    """PageManifest.archive of ``modules``: (site path, mtime, size) of each."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped, \
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for module, _, _ in modules:
            data = (site_root / module).read_bytes()
            entry = tarfile.TarInfo(module.removeprefix("src/"))
            entry.size, entry.mode, entry.mtime = len(data), 0o644, ARCHIVE_TIME
            archive.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of(path, stat.st_mtime_ns, stat.st_size)


def _relative(site_path: str, folder: PurePosixPath) -> str:
    """``site_path`` (from the site root) as a URL relative to ``folder``."""
    path = os.path.relpath(site_path, folder.as_posix() or ".").replace(os.sep, "/")
    return path if path.startswith("../") else "./" + path
