"""Which Chromium the browser tests launch, and with which flags.

    python -m tests.browser_path --check   # exit status 0 when a Chromium is there

Playwright's own Chromium when it is installed (``playwright install
chromium``), else Debian's ``/usr/bin/chromium`` with the flags a root,
offline machine needs: no sandbox, no GPU, no QUIC and none of the background
connections to Google that a closed network refuses.
"""

import sys
from pathlib import Path

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


if __name__ == "__main__" and sys.argv[1:] == ["--check"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            launch_args(playwright)
        except NoChromium:
            sys.exit(1)
