"""Write the demo app as a static site, for any static host.

    python -m devserver.export site/ \\
        --token-url https://backend.example/api/v1/widget/access_token \\
        --widgets-from https://backend.example      # a sandbox; omit for TikTok's lookup

The pages keep their jsDelivr URLs (no server is needed but the ISV's token
backend); ``pyscript.toml``'s ``[tiktok_widgets]`` is pointed at the backend;
the page's Content-Security-Policy allows exactly the origins it then uses.
"""

import argparse
import re
import shutil
import sys
import tomllib
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from tiktokshop_widgets import ConfigError, WidgetConfig

from .cdn_mirror import CDN_ORIGIN
from .settings import PROJECT_ROOT

APP_FILES = ("index.html", "pyscript.toml")
APP_DIRS = ("assets", "src/tiktokshop_widgets", "src/returns_app")
# The host widget-kit 1.0.4 asks where a widget lives (hard-coded in the SDK).
TIKTOK_RESOURCE_HOST = "https://api-widget-sg.tiktokshop.com"
SANDBOX_MANIFEST = "/sandbox/widgets/reverse/1.0.0/manifest.json"
CSP_META = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')
# The page's preload hints for the sandbox's widget files.
SANDBOX_HINT = re.compile(r'^\s*<link [^>]*href="(/sandbox/[^"]*)"[^>]*data-sandbox>\n', re.MULTILINE)


def content_security_policy(widget_origins=(), backend_origins=()) -> str:
    """The page's policy: this site, jsDelivr, TikTok's lookup and the given origins.

    Widgets run scripts from their origin and call it; the backend is only
    called. 'unsafe-eval': widget-kit and PyScript build functions at run time;
    'wasm-unsafe-eval': the interpreter is WebAssembly; inline styles: the
    widget brings its own <style>. No inline scripts.
    """
    scripts = ["'self'", CDN_ORIGIN, *widget_origins, "'unsafe-eval'", "'wasm-unsafe-eval'"]
    connect = ["'self'", CDN_ORIGIN, TIKTOK_RESOURCE_HOST, *widget_origins, *backend_origins]
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", scripts),
        ("style-src", ["'self'", CDN_ORIGIN, "'unsafe-inline'"]),
        ("connect-src", list(dict.fromkeys(connect))),
        ("img-src", ["'self'", "data:"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
    ]
    return "; ".join(name + " " + " ".join(values) for name, values in directives)


def export(out: Path, token_url: str, widgets_from: str | None = None,
           extra_origins=(), site_root: Path = PROJECT_ROOT) -> None:
    """Write the app to ``out`` (emptied first) for the given backend."""
    if out.exists():
        shutil.rmtree(out)
    for name in APP_FILES:
        _copy(site_root / name, out / name)
    for name in APP_DIRS:
        for path in sorted((site_root / name).rglob("*.*")):
            if "__pycache__" not in path.parts:
                _copy(path, out / path.relative_to(site_root))

    widget_origins = [_origin(widgets_from)] if widgets_from else []
    config = _point_config((out / "pyscript.toml").read_text(), token_url, widgets_from)
    (out / "pyscript.toml").write_text(config)
    page = (out / "index.html").read_text()
    policy = content_security_policy([*widget_origins, *extra_origins],
                                     [_origin(urljoin("https://page.invalid/", token_url))])
    page, found = CSP_META.subn(lambda m: m.group(1) + policy + m.group(3), page)
    if found != 1:
        raise SystemExit("index.html has no Content-Security-Policy meta tag to update")
    # Preload the sandbox's widget files from where they now live; TikTok's
    # files are only known once widget-kit has asked, so none for those.
    page = SANDBOX_HINT.sub(
        lambda m: m.group(0).replace(m.group(1), urljoin(widgets_from, m.group(1)))
        if widgets_from else "", page)
    (out / "index.html").write_text(page)


def _point_config(toml: str, token_url: str, widgets_from: str | None) -> str:
    values = {"token_url": token_url, "source": "sandbox" if widgets_from else "tiktok"}
    for key, value in values.items():
        toml, found = re.subn(rf'^{key} = ".*"$', f'{key} = "{value}"', toml, count=1,
                              flags=re.MULTILINE)
        if not found:
            raise SystemExit(f"pyscript.toml has no {key} line in [tiktok_widgets]")
    if widgets_from:
        manifest = urljoin(widgets_from, SANDBOX_MANIFEST)
        toml = re.sub(r'^("@tiktokshop-widget/reverse:ManageReturns" = )".*"$',
                      lambda m: f'{m.group(1)}"{manifest}"', toml, flags=re.MULTILINE)
    try:  # what the page will check at start, checked now
        WidgetConfig.from_dict(tomllib.loads(toml)["tiktok_widgets"])
    except ConfigError as error:
        raise SystemExit(f"the exported pyscript.toml is not valid: {error}")
    return toml


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SystemExit(f"not an http(s) URL: {url}")
    return f"{parts.scheme}://{parts.netloc}"


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write (emptied first)")
    parser.add_argument("--token-url", required=True,
                        help="the ISV backend's token endpoint, absolute or relative to the page")
    parser.add_argument("--widgets-from", metavar="URL",
                        help="a sandbox platform's base URL; without it widget-kit asks TikTok")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="another origin the widgets load from (repeatable), e.g. TikTok's CDN")
    args = parser.parse_args(argv)
    export(args.out, args.token_url, args.widgets_from, [_origin(o) for o in args.allow_origin])
    print(f"Wrote the static site to {args.out}/: serve it from any static host.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
