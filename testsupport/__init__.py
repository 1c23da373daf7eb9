"""What the tests and the benchmark share: real servers, Chromium, the leak watch.

    from testsupport.servers import run_server          # a serve.py of its own
    from testsupport.browser import launch_args         # Playwright's Chromium, or Debian's
    from testsupport.leaks import WATCH                 # secrets and tokens where they must not be
    from testsupport.versions import locked_version     # what package-lock.json pins

``fixtures`` holds the pytest fixtures that the server and browser test layers
import into their conftest.py; the browser library's own unit tests need none of this.
"""
