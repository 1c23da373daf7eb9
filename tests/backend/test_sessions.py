"""The seller session cookie: its flags as the settings ask, and nothing secret inside."""

import base64
import json

import pytest

from .conftest import connect


def session_cookie(client, base_url="http://127.0.0.1:8000") -> dict:
    """The Set-Cookie attributes of an OAuth start, lowercased: {"seller_session": value, ...}."""
    client.base_url = base_url
    response = client.get("/auth/tiktok/start", follow_redirects=False)
    (header,) = response.headers.get_list("set-cookie")
    attributes = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def test_the_cookie_is_http_only_lax_and_not_secure_over_http(backend):
    cookie = session_cookie(backend)
    assert cookie["seller_session"] and "httponly" in cookie
    assert cookie["samesite"] == "lax" and cookie["path"] == "/"
    assert "secure" not in cookie
    assert 0 < int(cookie["max-age"]) <= 24 * 3600


def test_the_cookie_is_secure_and_http_only_when_served_over_https(backend):
    cookie = session_cookie(backend, "https://shop-tools.example")
    assert cookie["seller_session"] and "secure" in cookie and "httponly" in cookie
    assert cookie["samesite"] == "lax" and cookie["path"] == "/"


@pytest.mark.parametrize("secure, over_http, over_https", [
    ("always", True, True), ("never", False, False), ("auto", False, True),
])
def test_secure_can_be_forced_either_way(make_backend, secure, over_http, over_https):
    http = session_cookie(make_backend(cookie_secure=secure))
    https = session_cookie(make_backend(cookie_secure=secure), "https://shop-tools.example")
    assert ("secure" in http, "secure" in https) == (over_http, over_https)
    assert "httponly" in http and "httponly" in https


@pytest.mark.parametrize("same_site", ["strict", "none"])
def test_same_site_comes_from_the_settings(make_backend, same_site):
    cookie = session_cookie(make_backend(cookie_samesite=same_site, cookie_secure="always"))
    assert cookie["samesite"] == same_site


def test_the_cookie_names_the_seller_but_holds_no_token(backend, tiktok):
    connect(backend, tiktok)
    payload = backend.cookies["seller_session"].split(".")[0]
    content = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(content) == {"sid", "open_id"}
    services = backend.app.state.backend
    seller = backend.portal.call(services.store.seller, content["open_id"])
    assert seller.access_token not in backend.cookies["seller_session"]
