"""The dev server carries the sandbox's webhooks to its own backend, and on to the page's
event stream: a new return request in the sandbox reaches an open stream at once."""

import json

import httpx2 as httpx

from testsupport.servers import run_server

from ..backend.test_event_stream import EventSource

SHOP = "7495610000000000001"


def test_a_new_request_in_the_sandbox_reaches_the_open_stream(tmp_path):
    with run_server(tmp_path / "serve") as server, \
            httpx.Client(base_url=server.url, timeout=15) as page:
        stream = EventSource(page)
        assert stream.status == 200, "the demo seller's stream did not open"
        reply = page.post("/sandbox/control/returns", json={"shop_id": SHOP})
        assert reply.status_code == 200, reply.text
        pushed = json.loads(stream.next("returns")["data"])
        assert pushed["shop_id"] == SHOP and pushed["awaiting"] >= 1
        stream.close()
    assert "wrong signature" not in server.log_text()
