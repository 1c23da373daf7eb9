"""What every test layer shares, and nothing more: the browser library's unit
tests run with pytest alone (server and browser fixtures live in
testsupport.fixtures, imported by the layers that use them)."""

import sys

LEAK_WATCH_MODULE = "testsupport.leaks"


def pytest_collection_modifyitems(items):
    # Playwright's sync API keeps an event loop running in the main thread from
    # the first browser test on; the async unit tests need their own, so they go first.
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


def pytest_sessionfinish(session):
    """Fail the run on any secret or token the leak watch saw, whichever tests ran."""
    leaks = sys.modules.get(LEAK_WATCH_MODULE)
    if leaks is None:  # no test of this run started a server or an app
        return
    summary, clean = leaks.WATCH.verdict()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(summary, red=not clean)
    if not clean:
        session.exitstatus = 1
