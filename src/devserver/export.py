"""Write the demo app as a static site, for any static host.

    .venv/bin/python -m devserver.export site/ \\
        --backend-url https://backend.example \\
        --widgets-from https://backend.example      # a sandbox; omit for TikTok's lookup

Run it with the project's venv (``./dev demo`` or ``./dev test`` makes it): the
venv is where this package and the library it checks the config with are installed.

The pages keep their jsDelivr URLs (no server is needed but the ISV's
backend, tiktokshop_backend); ``pyscript.toml``'s ``[tiktok_widgets]`` is
pointed at the backend (``backend_url``: the seller, their shops, tokens);
the page's Content-Security-Policy allows exactly the origins it then uses.
The folder written to must be new or empty; ``--force`` replaces the app's
files in one that is not (its other files stay). The project's checkout, the
folders above it and your home folder are refused even then.
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
from tiktokshop_widgets import MANAGE_RETURNS, ConfigError, WidgetConfig

from .page_manifest import COMPILED_STDLIB, PageManifest, content_security_policy
from .settings import PROJECT_ROOT
from .site import RENDERED_SUFFIXES

APP_FILES = ("index.html", "pyscript.toml")
APP_DIRS = ("assets", "src/tiktokshop_widgets", "src/returns_app")
SANDBOX_MANIFEST = "/sandbox/widgets/reverse/1.0.0/manifest.json"
# The page's preload hints for the sandbox's widget files.
SANDBOX_HINT = re.compile(r'^\s*<link [^>]*href="(/sandbox/[^"]*)"[^>]*data-sandbox>\n', re.MULTILINE)
CSP_MARKER = "<!-- page-manifest: csp -->"


def export(out: Path, backend_url: str, widgets_from: str | None = None,
           extra_origins=(), site_root: Path = PROJECT_ROOT, force: bool = False) -> None:
    """Write the app to ``out`` for the given backend.

    ``out`` must be new or empty unless ``force``, which replaces the app's own
    files and folders in it. SystemExit, forced or not, for a folder that is or
    holds the project, its sources or the user's home, and for bad URLs.
    """
    # Everything is worked out before the folder is touched: a bad URL changes nothing.
    widget_origins = [_origin(widgets_from)] if widgets_from else []
    # A relative backend URL is on the page's own origin, which 'self' allows.
    backend_origins = [_origin(backend_url)] if _is_absolute(backend_url) else []
    manifest = PageManifest(site_root)
    config = _point_config(manifest.render("pyscript.toml", (site_root / "pyscript.toml").read_text()),
                           backend_url, widgets_from)
    policy = content_security_policy([*widget_origins, *extra_origins], backend_origins)
    page = (site_root / "index.html").read_text()
    if CSP_MARKER not in page:
        raise SystemExit(f"index.html has no {CSP_MARKER} line for its Content-Security-Policy")
    page = manifest.render("index.html", page, policy=policy, backend_url=backend_url)
    # Preload the sandbox's widget files from where they now live; TikTok's
    # files are only known once widget-kit has asked, so none for those.
    page = SANDBOX_HINT.sub(
        lambda m: m.group(0).replace(m.group(1), urljoin(widgets_from, m.group(1)))
        if widgets_from else "", page)

    compiled_stdlib = manifest.compiled_stdlib()
    if not compiled_stdlib.is_file():
        raise SystemExit(f"{compiled_stdlib} is missing: ./dev demo (or ./dev test) builds it")

    out = out.resolve()
    _check_target(out, site_root.resolve(), force)
    _remove_earlier_export(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in APP_DIRS:
        for path in sorted((site_root / name).rglob("*.*")):
            if "__pycache__" not in path.parts:
                relative = path.relative_to(site_root)
                _copy(path, out / relative)
                if path.suffix in RENDERED_SUFFIXES:  # assets/interpreter.js's lists
                    target = out / relative
                    target.write_text(manifest.render(relative.as_posix(), target.read_text()))
    _copy(compiled_stdlib, out / COMPILED_STDLIB)
    (out / "pyscript.toml").write_text(config)
    (out / "index.html").write_text(page)


def _check_target(out: Path, site_root: Path, force: bool) -> None:
    """SystemExit unless ``out`` may be written: new, empty, or not empty and
    forced, and in no case a folder holding the project, the user's home or
    the app's sources, or inside those sources."""
    sources = [site_root / name for name in APP_DIRS]
    kept = {site_root: "the site it exports", PROJECT_ROOT: "the project's checkout",
            Path.home().resolve(): "your home folder", **dict.fromkeys(sources, "the app's sources")}
    for path, what in kept.items():
        if out == path or out in path.parents:
            raise SystemExit(f"refusing to export into {out}: it is or holds {what}. "
                             "Pick a new folder, such as site/")
    if any(source in out.parents for source in sources):
        raise SystemExit(f"refusing to export into {out}: it is inside the app's sources. "
                         "Pick a new folder, such as site/")
    if out.exists() and not out.is_dir():
        raise SystemExit(f"{out} is a file, not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise SystemExit(f"{out} is not empty: pick a new or empty folder, or pass --force "
                         f"to replace the app's files in it ({', '.join(APP_FILES + APP_DIRS)})")


def _remove_earlier_export(out: Path) -> None:
    """Delete the app's files and folders in ``out``, and nothing else."""
    for name in (*APP_FILES, *APP_DIRS):
        target = out / name
        # A link on the way (out/src -> elsewhere) would lead the deleting, and
        # then the writing, out of ``out``.
        if not target.parent.resolve().is_relative_to(out):
            raise SystemExit(f"{target.parent} links out of {out}: remove it, or pick a new folder")
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def _point_config(toml: str, backend_url: str, widgets_from: str | None) -> str:
    toml = _set_string(toml, "backend_url", backend_url)
    toml = _set_string(toml, "source", "sandbox" if widgets_from else "tiktok")
    if widgets_from:
        toml = _set_string(toml, f'"{MANAGE_RETURNS}"', urljoin(widgets_from, SANDBOX_MANIFEST))
    try:  # what the page will check at start, checked now
        WidgetConfig.from_dict(tomllib.loads(toml)["tiktok_widgets"])
    except (ConfigError, tomllib.TOMLDecodeError) as error:
        raise SystemExit(f"the exported pyscript.toml is not valid: {error}") from None
    return toml


def _set_string(toml: str, key: str, value: str) -> str:
    """The first ``key = "..."`` line of ``toml`` set to ``value``."""
    # JSON's escapes (\", \\, \uXXXX) are TOML's, so a JSON string is a TOML basic
    # string; a function replacement keeps re from reading its backslashes.
    line = f"{key} = {json.dumps(value)}"
    toml, found = re.subn(rf'^{re.escape(key)} = ".*"$', lambda _: line, toml, count=1,
                          flags=re.MULTILINE)
    if not found:
        raise SystemExit(f"pyscript.toml has no {key} line in [tiktok_widgets]")
    return toml


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def _origin(url: str) -> str:
    try:
        return origin_of(url)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m devserver.export",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write: new or empty, unless --force")
    parser.add_argument("--force", action="store_true",
                        help="write into a folder that is not empty, replacing the app's "
                        "files there and keeping the rest")
    parser.add_argument("--backend-url", required=True,
                        help="the ISV backend (tiktokshop_backend) the page asks who the seller "
                        "is and for tokens, absolute or relative to the page")
    parser.add_argument("--widgets-from", metavar="URL",
                        help="a sandbox platform's base URL; without it widget-kit asks TikTok")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="another origin the widgets load from (repeatable), e.g. TikTok's CDN")
    args = parser.parse_args(argv)
    export(args.out, args.backend_url, args.widgets_from, [_origin(o) for o in args.allow_origin],
           force=args.force)
    print(f"Wrote the static site to {args.out}/: serve it from any static host.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
