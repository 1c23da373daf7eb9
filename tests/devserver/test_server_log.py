"""What a serve.py logs while a seller connects a shop over HTTP: the OAuth state and
code are masked in every line (the sandbox's authorize page, the backend's callback),
and the leak watch, which knows every credential the sandbox issued, finds none."""

from urllib.parse import urlsplit

import httpx2 as httpx

from testsupport.leaks import LeakWatch
from testsupport.servers import run_server

US_SHOP, THIRD_SHOP = "7495610000000000001", "7495610000000000003"


def query_of(url: str) -> dict:
    return dict(part.split("=", 1) for part in urlsplit(url).query.split("&"))


def test_connecting_a_shop_logs_no_state_code_or_token(tmp_path):
    with run_server(tmp_path, "--cdn", "live") as server, \
            httpx.Client(base_url=server.url, timeout=10) as browser:
        start = browser.get("/auth/tiktok/start")
        authorize_page = start.headers["location"]
        state = query_of(authorize_page)["state"]
        assert "Authorize" in browser.get(authorize_page).text
        clicked = browser.post("/sandbox/services/open/authorize", data={
            "service_id": query_of(authorize_page)["service_id"], "state": state,
            "shop_id": [US_SHOP, THIRD_SHOP]})
        callback = clicked.headers["location"]
        code = query_of(callback)["code"]
        assert browser.get(callback).status_code == 302
        assert browser.get("/api/v1/widget/access_token", params={
            "outer_shop_id": THIRD_SHOP, "partner_type": "1"}).status_code == 200
        log = server.log_text()

    assert '"GET /sandbox/services/open/authorize?service_id=' in log
    assert "state=***" in log and "/auth/tiktok/callback?code=***&state=*** HTTP/1.1" in log
    assert state not in log and code not in log
    watch = LeakWatch()  # the run's own watch checks this log too, at the end of the run
    watch.watch_log(server.log_path, server.data_dir)
    watch.check_logs()
    assert watch.findings == []
    assert watch.log_lines_checked == len(server.log_text().splitlines())  # all, to the end
