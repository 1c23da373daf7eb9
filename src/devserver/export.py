"""Write a PyScript app, the demo or your own, as a static site for any static host.

    .venv/bin/python -m devserver.export site/ \\
        --backend-url https://backend.example \\
        --widgets-from https://backend.example      # a sandbox; or --source tiktok
    .venv/bin/python -m devserver.export site/ --app my-app --self-host-runtime
    ./dev app my-app --export site/ --backend-url https://backend.example   # the same, by serve.py

Run it with the project's venv (``./dev demo`` or ``./dev test`` makes it): the
venv is where this package and the library it checks the config with are installed.

What is written: the demo (``index.html``, ``pyscript.toml``, ``assets/``
with the compiled stdlib, its two packages and the one archive of their
modules its config ships), or with ``--app`` every file of
your app's folder but hidden ones, plus the library's modules at
``src/tiktokshop_widgets/`` (where ``./dev app`` serves them too). Each TOML
config with a ``[tiktok_widgets]`` table is pointed at the deployment: the
flags given (``--backend-url``, ``--app-key``, ``--isv-name``, ``--source``)
replace its values and the rest is kept; ``--widgets-from`` resolves its
relative widget ``entries`` against a sandbox (and means ``source =
"sandbox"``). The result is checked as the page will check it at start. A
page with a ``<!-- page-manifest: csp -->`` line (the demo's) gets a
Content-Security-Policy that allows exactly the origins its config uses.

By default PyScript, Pyodide, MicroPython and widget-kit stay on jsDelivr at
the versions package-lock.json pins. ``--self-host-runtime`` copies them into
the site instead (``runtime/``, jsDelivr's layout; Pyodide with the stdlib
compiled to bytecode and its packages such as micropip) and points every
jsDelivr URL of the app at that copy, for a policy that allows no third-party
CDN: the page's CSP then names none. Those URLs are absolute paths
(``--runtime-path``, ``/runtime/``), as PyScript and Pyodide need: serve the
site at its origin's root, or pass the path it is served under.

The folder written to must be new or empty; ``--force`` replaces the app's
files in one that is not (its other files stay). The project's checkout, the
folders above it, your home folder and the app's own folder are refused even
then. Nothing is written when anything is wrong.
"""

import argparse
import json
import re
import shutil
import sys
import tomllib
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from tiktokshop_backend import origin_of
from tiktokshop_widgets import ConfigError, WidgetConfig

from .cdn_mirror import PYODIDE_LOCK, CdnMirror
from .page_manifest import (
    CDN_ORIGIN,
    COMPILED_STDLIB,
    MICROPYTHON,
    PYSCRIPT_CORE,
    STDLIB_ZIP,
    ManifestError,
    PageManifest,
    content_security_policy,
)
from .settings import PROJECT_ROOT
from .site import CDN_URL, RENDERED_SUFFIXES

APP_FILES = ("index.html", "pyscript.toml")
APP_DIRS = ("assets", "src/tiktokshop_widgets", "src/returns_app")
LIBRARY = "src/tiktokshop_widgets"
RUNTIME_DIR = "runtime"
SOURCES = ("sandbox", "tiktok")
# The page's preload hints for the sandbox's widget files.
SANDBOX_HINT = re.compile(r'^\s*<link [^>]*href="(/sandbox/[^"]*)"[^>]*data-sandbox>\n', re.MULTILINE)
CSP_MARKER = "<!-- page-manifest: csp -->"
WIDGETS_TABLE = "tiktok_widgets"
ENTRIES_TABLE = WIDGETS_TABLE + ".entries"
# The npm packages --self-host-runtime copies, and which of their files a browser loads.
RUNTIME_PACKAGES = (PYSCRIPT_CORE, "pyodide", MICROPYTHON, "@tiktokshop/widget-kit")
RUNTIME_SUFFIXES = (".js", ".mjs", ".wasm", ".zip", ".css", ".json")
TABLE_HEADER = re.compile(r"^[ \t]*\[(?!\[)([^\]\n]*)\][ \t]*(?:#[^\n]*)?$", re.MULTILINE)
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def export(out: Path, backend_url: str | None = None, widgets_from: str | None = None,
           extra_origins=(), site_root: Path = PROJECT_ROOT, force: bool = False, *,
           app_dir: Path | None = None, app_key: str | None = None,
           isv_name: str | None = None, source: str | None = None,
           self_host_runtime: bool = False, runtime_path: str = "/" + RUNTIME_DIR + "/") -> None:
    """Write the demo (or the app in ``app_dir``) to ``out``, pointed at the deployment.

    ``backend_url``, ``app_key``, ``isv_name`` and ``source`` replace the
    config's values when given; ``widgets_from`` resolves its relative widget
    entries against a sandbox; ``extra_origins`` are more origins the widgets
    load from (for the policy). ``out`` must be new or empty unless ``force``,
    which replaces the app's own files and folders in it. SystemExit, with
    nothing written, for a folder that is or holds the project, its sources,
    the app or the user's home, for bad URLs and for a config the page would
    refuse.
    """
    # Everything is worked out in memory before the folder is touched.
    if widgets_from:
        _origin(widgets_from)  # an http(s) URL, or SystemExit
        if source == "tiktok":
            raise SystemExit("--widgets-from names a sandbox: it cannot go with --source tiktok")
        source = "sandbox"
    if source is not None and source not in SOURCES:
        raise SystemExit(f"--source must be one of {', '.join(SOURCES)}, not {source!r}")
    if not (runtime_path.startswith("/") and runtime_path.endswith("/")):
        raise SystemExit(f"--runtime-path must start and end with /, not {runtime_path!r}")
    manifest = PageManifest(site_root)
    if app_dir is None:
        files, roots, kept, inside = _demo_files(site_root, manifest)
    else:
        files, roots, kept, inside = _app_files(Path(app_dir).resolve(), site_root)

    changes = {"backend_url": backend_url, "app_key": app_key, "isv_name": isv_name,
               "source": source}
    configs = {}
    for name in sorted(files):
        if name.endswith(".toml"):
            text, widgets = _point_config(name, files[name], changes, widgets_from)
            if widgets is not None:
                files[name], configs[name] = text, widgets
    given = [flag for flag, value in changes.items() if value is not None]
    if not configs and (given or widgets_from):
        raise SystemExit(f"no TOML config of the app has a [{WIDGETS_TABLE}] table for "
                         f"{', '.join(given or ['widgets_from'])}: the app configures its "
                         "widgets elsewhere; give those values there")

    runtime_origins = ()
    if self_host_runtime:
        files.update(_runtime_files(manifest, site_root / ".cache" / "pyodide-packages"))
        roots.append(RUNTIME_DIR)
        _self_host(files, runtime_path)
        configs = {name: tomllib.loads(files[name])[WIDGETS_TABLE] for name in configs}
    else:
        runtime_origins = (CDN_ORIGIN,)

    widget_origins, backend_origins = set(extra_origins), set()
    for widgets in configs.values():
        backend_origins.update(_origins_of(widgets.get("backend_url"), widgets.get("token_url")))
        widget_origins.update(_origins_of(*widgets.get("entries", {}).values()))
        widget_origins.update(_origins_of(widgets.get("sdk_url")) - {CDN_ORIGIN})
    policy = content_security_policy(sorted(widget_origins), sorted(backend_origins),
                                     cdn_origins=runtime_origins)
    sources = {WidgetConfig.from_dict(widgets).source for widgets in configs.values()}
    for name in sorted(files):
        if name.endswith(".html") and isinstance(files[name], str) and CSP_MARKER in files[name]:
            # The pointed configs, for what the page preloads from its backend (who-am-I).
            page = _render(manifest, name, files[name], policy,
                           configs={n: text for n, text in files.items() if n in configs})
            # The sandbox's widget files are preloaded from where they now live;
            # TikTok's are only known once widget-kit has asked, so none for those.
            files[name] = SANDBOX_HINT.sub(
                lambda m: m.group(0).replace(m.group(1), urljoin(widgets_from, m.group(1)))
                if widgets_from else "" if sources == {"tiktok"} else m.group(0), page)

    out = out.resolve()
    _check_target(out, kept, inside, force)
    _remove_earlier_export(out, roots)
    out.mkdir(parents=True, exist_ok=True)
    for name, content in sorted(files.items()):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def _demo_files(site_root: Path, manifest: PageManifest):
    """The demo's files ({site path: text, or a file to copy}), the
    names an earlier export of it left, and the folders it must not be written into."""
    page = (site_root / "index.html").read_text()
    if CSP_MARKER not in page:
        raise SystemExit(f"index.html has no {CSP_MARKER} line for its Content-Security-Policy")
    compiled_stdlib = manifest.compiled_stdlib()
    if not compiled_stdlib.is_file():
        raise SystemExit(f"{compiled_stdlib} is missing: ./dev demo (or ./dev test) builds it")
    config = (site_root / "pyscript.toml").read_text()
    files = {"index.html": page,
             "pyscript.toml": _render(manifest, "pyscript.toml", config),
             COMPILED_STDLIB: compiled_stdlib}
    # The one archive of the modules the config ships (the page fetches that, not them).
    files.update({path: manifest.archive(packages)
                  for path, packages in manifest.archives(config).items()})
    for name in APP_DIRS:
        for path in sorted((site_root / name).rglob("*.*")):
            if "__pycache__" not in path.parts and path.is_file():
                relative = path.relative_to(site_root).as_posix()
                files[relative] = (_render(manifest, relative, path.read_text())  # e.g.
                                   if path.suffix in RENDERED_SUFFIXES else path)  # interpreter.js
    sources = [site_root / name for name in APP_DIRS]
    kept = {site_root: "the site it exports", **dict.fromkeys(sources, "the app's sources")}
    return files, [*APP_FILES, *APP_DIRS], kept, sources


def _app_files(app_dir: Path, site_root: Path):
    """A developer's app folder as ``./dev app`` serves it: its files but hidden
    ones, and the library's modules behind them."""
    if not (app_dir / "index.html").is_file():
        raise SystemExit(f"{app_dir} has no index.html: --app takes your PyScript app's folder")
    files, roots = {}, set()
    for path in sorted(app_dir.rglob("*")):
        relative = path.relative_to(app_dir)
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__"
                                      for p in relative.parts):
            files[relative.as_posix()] = _text_or_path(path)
            roots.add(relative.parts[0])
    for path in sorted((site_root / LIBRARY).glob("*.py")):
        files.setdefault(f"{LIBRARY}/{path.name}", path.read_text())
    kept = {site_root: "the project's checkout", app_dir: "the app it exports",
            site_root / LIBRARY: "the library's sources"}
    return files, sorted(roots) + [LIBRARY], kept, [app_dir, site_root / LIBRARY]


def _text_or_path(path: Path):
    """A file the export may rewrite (jsDelivr URLs) as text; any other as the file."""
    if path.suffix in RENDERED_SUFFIXES:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            pass
    return path


def _render(manifest: PageManifest, name: str, text: str, policy: str | None = None,
            configs: dict | None = None) -> str:
    try:
        return manifest.render(name, text, policy=policy, configs=configs)
    except ManifestError as error:
        raise SystemExit(f"{name}: {error}") from None


def _runtime_files(manifest: PageManifest, pyodide_packages: Path) -> dict:
    """PyScript, Pyodide, MicroPython and widget-kit at the locked versions, as
    jsDelivr lays them out under ``runtime/``: the files a browser loads, Pyodide's
    stdlib compiled and its packages."""
    files = {}
    for package in RUNTIME_PACKAGES:
        version = _locked(manifest, package)
        root = manifest.node_modules / package
        folder = (f"{RUNTIME_DIR}/pyodide/v{version}/full" if package == "pyodide"
                  else f"{RUNTIME_DIR}/npm/{package}@{version}")
        installed = json.loads((root / "package.json").read_text())["version"] \
            if (root / "package.json").is_file() else None
        if installed != version:
            raise SystemExit(f"node_modules has {package}@{installed or '(none)'}, "
                             f"package-lock.json locks {version}: run npm ci (./dev does)")
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if (path.is_file() and path.suffix in RUNTIME_SUFFIXES and path.name != "package.json"
                    and "node_modules" not in relative.parts):
                files[f"{folder}/{relative.as_posix()}"] = _text_or_path(path) \
                    if path.suffix in (".js", ".mjs") else path
        if package == "pyodide":
            compiled = manifest.compiled_stdlib()
            if not compiled.is_file():
                raise SystemExit(f"{compiled} is missing: ./dev demo (or ./dev test) builds it")
            files[f"{folder}/{STDLIB_ZIP}"] = compiled
            # Its own packages (micropip) are the PyPI wheels ./dev downloaded
            # (pyodide-packages.txt): the lock the mirror serves points at them.
            for wheel in sorted(pyodide_packages.glob("*.whl")):
                files[f"{folder}/{wheel.name}"] = wheel
            mirror = CdnMirror(manifest.node_modules, pyodide_packages)
            files[f"{folder}/{PYODIDE_LOCK}"] = mirror.body(
                f"pyodide/v{version}/full/{PYODIDE_LOCK}").decode()
    return files


def _locked(manifest: PageManifest, package: str) -> str:
    try:
        return manifest.version(package)
    except ManifestError as error:
        raise SystemExit(str(error)) from None


def _self_host(files: dict, runtime_path: str) -> None:
    """Point every jsDelivr URL of the site at its own copy under ``runtime_path``;
    SystemExit for a URL of the app's that the copy lacks (another package or version)."""
    copied = {name[len(RUNTIME_DIR) + 1:] for name in files if name.startswith(RUNTIME_DIR + "/")}
    missing = []
    for name, content in files.items():
        if not isinstance(content, str):
            continue
        if not name.startswith(RUNTIME_DIR + "/"):  # the runtime's own URLs are templates
            for url in CDN_URL.findall(content):
                path = urlsplit(url).path.lstrip("/")
                if path not in copied and not any(c.startswith(path.rstrip("/") + "/")
                                                  for c in copied):
                    missing.append(f"{name}: {url}")
        files[name] = content.replace(CDN_ORIGIN + "/", runtime_path)
    if missing:
        raise SystemExit(
            "--self-host-runtime brings PyScript, Pyodide, MicroPython and widget-kit at the "
            "versions package-lock.json locks; these URLs name something else:\n  "
            + "\n  ".join(missing))


def _point_config(name: str, toml, changes: dict, widgets_from: str | None):
    """(the config's text pointed at the deployment, its [tiktok_widgets] table), or
    (the text, None) for a config without one. SystemExit for a config the page would refuse."""
    if not isinstance(toml, str):
        return toml, None
    try:
        widgets = tomllib.loads(toml).get(WIDGETS_TABLE)
    except tomllib.TOMLDecodeError as error:
        raise SystemExit(f"{name} is not valid TOML: {error}") from None
    if not isinstance(widgets, dict):
        return toml, None
    wanted = {key: value for key, value in changes.items() if value is not None}
    for key, value in wanted.items():
        toml = _set_string(name, toml, WIDGETS_TABLE, key, value)
    entries = {}
    if widgets_from:
        for widget, entry in (widgets.get("entries") or {}).items():
            if isinstance(entry, str) and not _is_absolute(entry):
                entries[widget] = urljoin(widgets_from, entry)
                toml = _set_string(name, toml, ENTRIES_TABLE, widget, entries[widget])
    try:
        widgets = tomllib.loads(toml)[WIDGETS_TABLE]
    except tomllib.TOMLDecodeError as error:  # a value written where it could not go
        raise SystemExit(f"{name}: could not rewrite [{WIDGETS_TABLE}] ({error})") from None
    for key, value in [*wanted.items(), *((f"entries.{w}", v) for w, v in entries.items())]:
        found = widgets.get("entries", {}).get(key[8:]) if key.startswith("entries.") \
            else widgets.get(key)
        if found != value:
            raise SystemExit(f"{name}: could not set {key} in [{WIDGETS_TABLE}]: write it as "
                             f'key = "value" on a line of its own, in a table of its own')
    try:  # what the page will check at start, checked now
        WidgetConfig.from_dict(widgets)
    except ConfigError as error:
        raise SystemExit(f"the exported {name} is not valid: {error}") from None
    return toml, widgets


def _set_string(name: str, toml: str, table: str, key: str, value: str) -> str:
    """``toml`` with ``key = "value"`` in ``[table]``: its line replaced, or added
    after the table's header."""
    headers = list(TABLE_HEADER.finditer(toml))
    for index, header in enumerate(headers):
        if header.group(1).replace(" ", "") == table:
            start = header.end()
            end = headers[index + 1].start() if index + 1 < len(headers) else len(toml)
            break
    else:
        raise SystemExit(f"{name} has no [{table}] table of its own for {key}")
    written = key if BARE_KEY.match(key) else json.dumps(key)
    # JSON's escapes (\", \\, \uXXXX) are TOML's, so a JSON string is a TOML basic
    # string; a function replacement keeps re from reading its backslashes.
    line = f"{written} = {json.dumps(value)}"
    pattern = re.compile(rf'^[ \t]*(?:{re.escape(key)}|"{re.escape(key)}")[ \t]*=[^\n]*$',
                         re.MULTILINE)
    section, found = pattern.subn(lambda _: line, toml[start:end], count=1)
    if not found:
        section = "\n" + line + section
    return toml[:start] + section + toml[end:]


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def _origins_of(*urls) -> set:
    """The origins of the absolute URLs among ``urls``; relative ones are the page's own."""
    return {_origin(url) for url in urls if isinstance(url, str) and _is_absolute(url)}


def _origin(url: str) -> str:
    try:
        return origin_of(url)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def _check_target(out: Path, kept: dict, inside: list, force: bool) -> None:
    """SystemExit unless ``out`` may be written: new, empty, or not empty and
    forced, and in no case a folder that is or holds the project, the user's home
    or what it exports (``kept``: {folder: what it is}), nor one ``inside`` those sources."""
    kept = {PROJECT_ROOT: "the project's checkout", Path.home().resolve(): "your home folder",
            **{path.resolve(): what for path, what in kept.items()}}
    for path, what in kept.items():
        if out == path or out in path.parents:
            raise SystemExit(f"refusing to export into {out}: it is or holds {what}. "
                             "Pick a new folder, such as site/")
    for source in inside:
        if source.resolve() in out.parents:
            raise SystemExit(f"refusing to export into {out}: it is inside {kept[source.resolve()]}. "
                             "Pick a new folder, such as site/")
    if out.exists() and not out.is_dir():
        raise SystemExit(f"{out} is a file, not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise SystemExit(f"{out} is not empty: pick a new or empty folder, or pass --force "
                         f"to replace the app's files in it")


def _remove_earlier_export(out: Path, roots) -> None:
    """Delete the app's files and folders (``roots``) in ``out``, and nothing else."""
    for name in roots:
        target = out / name
        # A link on the way (out/src -> elsewhere) would lead the deleting, and
        # then the writing, out of ``out``.
        if not target.parent.resolve().is_relative_to(out):
            raise SystemExit(f"{target.parent} links out of {out}: remove it, or pick a new folder")
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m devserver.export",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, nargs="?",
                        help="folder to write: new or empty, unless --force")
    parser.add_argument("--export", type=Path, metavar="OUT", dest="export_to",
                        help="the folder to write, as serve.py takes it (./dev app FOLDER "
                        "--export OUT)")
    parser.add_argument("--app", type=Path, metavar="FOLDER",
                        help="your PyScript app's folder (its index.html); default: the demo")
    parser.add_argument("--force", action="store_true",
                        help="write into a folder that is not empty, replacing the app's "
                        "files there and keeping the rest")
    parser.add_argument("--backend-url",
                        help="the ISV backend (tiktokshop_backend) the page asks who the seller "
                        "is and for tokens, absolute or relative to the page (default: the "
                        "config's backend_url)")
    parser.add_argument("--app-key", help="your app's key (default: the config's app_key)")
    parser.add_argument("--isv-name", help="your ISV name (default: the config's isv_name)")
    parser.add_argument("--source", choices=SOURCES,
                        help="tiktok: widget-kit asks TikTok where each widget lives; sandbox: "
                        "the config's entries (default: the config's source)")
    parser.add_argument("--widgets-from", metavar="URL",
                        help="a sandbox platform's base URL: the config's relative widget "
                        "entries are resolved against it, and source is sandbox")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="another origin the widgets load from (repeatable), e.g. TikTok's CDN")
    parser.add_argument("--self-host-runtime", action="store_true",
                        help="copy PyScript, Pyodide (stdlib compiled), MicroPython and widget-kit "
                        "into the site and use them instead of jsDelivr")
    parser.add_argument("--runtime-path", default="/" + RUNTIME_DIR + "/", metavar="PATH",
                        help="the URL path the site's runtime/ folder is served at "
                        "(default: %(default)s)")
    return parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    out = args.out or args.export_to
    if out is None or (args.out and args.export_to):
        parser.error("name the folder to write once: OUT, or --export OUT")
    export(out, args.backend_url, args.widgets_from, [_origin(o) for o in args.allow_origin],
           force=args.force, app_dir=args.app, app_key=args.app_key, isv_name=args.isv_name,
           source=args.source, self_host_runtime=args.self_host_runtime,
           runtime_path=args.runtime_path)
    print(f"Wrote the static site to {out}/: serve it from any static host.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
