"""A real serve.py survives clients that misbehave on the wire: it answers them with a
4xx or drops them, logs no error of its own, and goes on serving everyone else.

Every case talks raw bytes over a loopback socket, since no well-behaved HTTP
client would send these.
"""

import socket
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from tiktokshop_sandbox import TokenSigner, load_or_create_secret

DEMO_SHOP = "7495610000000000001"
SEARCH = "/sandbox/api/return_refund/202309/returns/search"
# uvicorn 0.54's h11 protocol answers a request body it cannot parse with a 400
# of its own and closes, without telling the app, which may be answering the
# same request at that moment: the app's reply then fails inside uvicorn, which
# logs it as an error. The server carries on; the only error it may log here.
UVICORN_H11_RACE = "can't handle event type Response when role=SERVER and state=MUST_CLOSE"
SEARCH_BODY = b'{"shop_id": "7495610000000000001", "app_key": "6sandboxapp01", "oec_region": "US"}'


def connect(server) -> socket.socket:
    address = urlsplit(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=5)


def send_and_read(server, data: bytes) -> bytes:
    """Send ``data``, then read whatever the server answers until it closes or goes quiet."""
    with connect(server) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server stopped reading first: it has its answer
            pass
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except OSError:  # reset or timeout: nothing more is coming
            pass
        return reply


def send_and_leave(server, data: bytes) -> None:
    """Send ``data`` and close at once, without waiting for any answer."""
    with connect(server) as sock:
        sock.sendall(data)


def widget_api_request(server, body: bytes, content_length: int) -> bytes:
    """A widget API call that passes the origin and token checks, announcing
    ``content_length`` bytes of body and sending ``body``."""
    host = urlsplit(server.url).netloc
    token = TokenSigner(load_or_create_secret(server.data_dir / "token-secret"),
                        "6sandboxapp01", 300).issue(DEMO_SHOP).token
    return (f"POST {SEARCH} HTTP/1.1\r\nHost: {host}\r\nOrigin: {server.url}\r\n"
            f"x-tts-access-token: {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {content_length}\r\n\r\n").encode() + body


def token_request(server) -> bytes:
    host = urlsplit(server.url).netloc
    return (f"GET /api/v1/widget/access_token?outer_shop_id={DEMO_SHOP}&partner_type=1 "
            f"HTTP/1.1\r\nHost: {host}\r\n\r\n").encode()


def status_of(reply: bytes) -> int | None:
    parts = reply.split(b" ", 2)
    return int(parts[1]) if reply.startswith(b"HTTP/1.1 ") and parts[1].isdigit() else None


@contextmanager
def still_serving_after(loaded_server):
    """After the block: the server is up, answers a seller normally, and logged no error."""
    log_before = len(loaded_server.log_text())
    yield
    with httpx.Client(base_url=loaded_server.url, timeout=10) as seller:
        assert seller.get("/api/v1/seller").status_code == 200
        token = seller.get("/api/v1/widget/access_token",
                           params={"outer_shop_id": DEMO_SHOP, "partner_type": "1"})
        assert token.status_code == 200 and token.json()["code"] == 0
    assert loaded_server.process.poll() is None
    logged = loaded_server.log_text()[log_before:]
    assert logged.count("ERROR:") == logged.count(UVICORN_H11_RACE), logged


def test_a_client_that_sends_half_a_body_and_leaves(loaded_server):
    with still_serving_after(loaded_server):
        send_and_leave(loaded_server, widget_api_request(loaded_server, SEARCH_BODY[:20], 1000))


def test_a_client_that_sends_half_its_headers_and_leaves(loaded_server):
    with still_serving_after(loaded_server):
        send_and_leave(loaded_server, token_request(loaded_server)[:40])


def test_a_client_that_leaves_before_its_reply(loaded_server):
    with still_serving_after(loaded_server):
        send_and_leave(loaded_server, token_request(loaded_server))
        send_and_leave(loaded_server,
                       widget_api_request(loaded_server, SEARCH_BODY, len(SEARCH_BODY)))


def test_a_client_that_connects_and_says_nothing(loaded_server):
    with still_serving_after(loaded_server):
        for _ in range(20):
            send_and_leave(loaded_server, b"")


@pytest.mark.parametrize("request_bytes", [
    pytest.param(b"GARBAGE\r\n\r\n", id="garbage request line"),
    pytest.param(b"\x00\xff\xfe\x01 / HTTP/1.1\r\n\r\n", id="binary request line"),
    pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64), id="TLS hello"),
    pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", id="HTTP/2 preface"),
    pytest.param(b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", id="unknown HTTP version"),
    pytest.param(b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", id="huge URL"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", id="header without colon"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", id="NUL in a header"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
                 id="huge header"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n"
                 + b"".join(b"X-%d: 1\r\n" % i for i in range(20_000)) + b"\r\n",
                 id="twenty thousand headers"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                 id="bad content-length"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
                 id="two content-lengths"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", id="content-length and chunked"),
])
def test_malformed_http_gets_a_4xx_or_nothing(loaded_server, request_bytes):
    with still_serving_after(loaded_server):
        status = status_of(send_and_read(loaded_server, request_bytes))
        assert status is None or 400 <= status < 500


@pytest.mark.parametrize("origin", [
    pytest.param(None, id="body read by the API"),
    pytest.param("http://evil.example", id="refused before its body is read"),
])
def test_a_malformed_chunked_body_gets_a_4xx_or_nothing(loaded_server, origin):
    with still_serving_after(loaded_server):
        request = widget_api_request(loaded_server, b"", 0).replace(
            b"Content-Length: 0", b"Transfer-Encoding: chunked") + b"zz\r\n{}\r\n0\r\n\r\n"
        if origin:
            request = request.replace(loaded_server.url.encode(), origin.encode())
        status = status_of(send_and_read(loaded_server, request))
        assert status is None or 400 <= status < 500
