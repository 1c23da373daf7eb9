"""The benchmark's time limits, on real pages in Chromium that never finish:
each is reported as failed within its limit, with what it measured."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import sync_playwright

from bench.budget import Deadline
from bench.lifecycle import run_lifecycle
from bench.pageload import Variant, run_pageload
from testsupport.browser import launch_args

# A lifecycle page that finishes two cycles and a checkpoint, then stalls.
STALLING_LIFECYCLE = """<!doctype html><body data-state="running"><pre id="result"></pre>
<script>
  const checkpoint = (cycle) => ({cycle, dom_nodes: 3, live_proxies: null, js_heap: 1000});
  setTimeout(() => {
    document.body.dataset.cyclesDone = "2";
    document.getElementById("result").textContent = JSON.stringify(
      {interpreter: "native", cycles: 2, cycle_ms: [10, 11], checkpoints: [checkpoint(0), checkpoint(2)]});
  }, 100);
</script></body>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "bench/pages").mkdir(parents=True)
    (root / "bench/pages/lifecycle-native.html").write_text(STALLING_LIFECYCLE)
    (root / "never.html").write_text("<!doctype html><p>no content, ever</p>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as running:
        yield running


def test_a_lifecycle_page_that_stalls_is_failed_with_its_cycles_so_far(site, playwright):
    runs = run_lifecycle(playwright, site, cycles=200, deadline=Deadline(60),
                         interpreters=("native",), page_limit_s=10, cycle_limit_s=1)

    run = runs["native"]
    assert run["error"] == "no cycle finished within 1 s after cycle 2"
    assert run["result"]["cycle_ms"] == [10, 11]
    assert run["summary"]["cycles"] == 2


def test_a_page_whose_content_never_shows_is_failed_not_waited_for(site, playwright):
    browser = playwright.chromium.launch(**launch_args(playwright))
    never = Variant("never", "a page with no content", "/never.html", "#content")
    try:
        loads = run_pageload(browser, site, [never], runs=3, warmup=0, deadline=Deadline(60),
                             page_limit_s=1)
    finally:
        browser.close()

    assert loads["never"]["cold"] == []
    assert len(loads["never"]["failures"]) == 2  # then it is given up
    assert "#content not visible within 1000 ms" in loads["never"]["failures"][0]


def test_no_part_starts_once_the_budget_is_spent(site, playwright):
    runs = run_lifecycle(playwright, site, cycles=200, deadline=Deadline(0),
                         interpreters=("native",))

    assert runs["native"]["error"].startswith("the benchmark's time budget")
    assert runs["native"]["summary"] is None
