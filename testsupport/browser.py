"""Chromium for the browser tests and the benchmark: which one, with which flags,
and what its pages may reach.

    python -m testsupport.browser --check   # exit status 0 when a Chromium is there
    browser = playwright.chromium.launch(**launch_args(playwright))
    route_outside_world(context, server, mirror, outside_requests)

Playwright's own Chromium when it is installed (``playwright install
chromium``), else Debian's ``/usr/bin/chromium`` with the flags a root,
offline machine needs: no sandbox, no GPU, no QUIC and none of the background
connections to Google that a closed network refuses.
"""

import mimetypes
import sys
from pathlib import Path
from urllib.parse import urlsplit

from devserver.cdn_mirror import MirrorMiss
from devserver.settings import SANDBOX_MOUNT

CDN = "https://cdn.jsdelivr.net/"
TIKTOK_RESOURCE_HOST = "https://api-widget-sg.tiktokshop.com/"

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
SYSTEM_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class NoChromium(RuntimeError):
    pass


def launch_args(playwright) -> dict:
    """Extra ``browser_type.launch`` arguments for the Chromium to use."""
    if Path(playwright.chromium.executable_path).exists():
        return {}
    if SYSTEM_CHROMIUM.exists():
        return {"executable_path": str(SYSTEM_CHROMIUM), "args": SYSTEM_CHROMIUM_ARGS}
    raise NoChromium(
        "No Chromium for the browser tests: run ./dev test (it installs Debian's "
        "chromium) or `playwright install chromium`."
    )


def route_outside_world(context, server, mirror, outside_requests, other_local_urls=()):
    """jsDelivr to npm's files, TikTok's resource host to ``server``'s sandbox, the rest refused
    (but ``server`` itself and ``other_local_urls``) and recorded in ``outside_requests``."""

    def is_outside(url: str) -> bool:
        return not url.startswith((server.url, *other_local_urls, "data:", "blob:"))

    def refuse(route):
        outside_requests.append(route.request.url)
        route.abort("internetdisconnected")

    def from_npm(route):
        cdn_path = urlsplit(route.request.url).path.lstrip("/")
        try:
            body = mirror.body(cdn_path)
        except MirrorMiss as exc:
            route.fulfill(status=404, body=str(exc), headers={"access-control-allow-origin": "*"})
            return
        media_type = mimetypes.guess_type(cdn_path)[0] or "application/octet-stream"
        route.fulfill(
            body=body,
            headers={"access-control-allow-origin": "*", "content-type": media_type},
        )

    def to_sandbox(route):
        parts = urlsplit(route.request.url)
        local = server.url + SANDBOX_MOUNT + parts.path + (f"?{parts.query}" if parts.query else "")
        route.fulfill(response=route.fetch(url=local))

    # Routes run newest first: the catch-all goes in first.
    context.route(is_outside, refuse)
    context.route(CDN + "**", from_npm)
    context.route(TIKTOK_RESOURCE_HOST + "**", to_sandbox)


def console_errors_of(page) -> list:
    """Console errors and uncaught exceptions of ``page``, as they happen."""
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def app_url(server, interpreter, hash=""):
    """The demo page's URL on ``interpreter``, with a ``hash`` such as "#returns"."""
    query = "?interpreter=micropython" if interpreter == "micropython" else ""
    return f"{server.url}/{query}{hash}"


if __name__ == "__main__" and sys.argv[1:] == ["--check"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            launch_args(playwright)
        except NoChromium:
            sys.exit(1)
