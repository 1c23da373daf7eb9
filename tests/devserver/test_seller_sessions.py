"""The seller session cookie: its flags, and the secret that signs it."""

import pytest
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.sessions import SESSION_SECRET_ENV, SecretUnfit
from devserver.settings import Settings
from devserver.settings import TOKEN_SECRET_ENV as SECRET_ENV

DEMO_SHOP = "7495610000000000001"


def session_cookie(tmp_path, base_url="http://127.0.0.1:8000", **settings) -> dict:
    """The Set-Cookie attributes of a sign-in, lowercased: {"seller_session": value, ...}."""
    app = create_app(Settings(data_dir=tmp_path / "data", cdn="live", **settings))
    with TestClient(app, base_url=base_url) as client:
        response = client.get("/sandbox/session", params={"shop_id": DEMO_SHOP})
    (header,) = response.headers.get_list("set-cookie")
    attributes = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def test_the_cookie_is_http_only_lax_and_not_secure_over_http(tmp_path):
    cookie = session_cookie(tmp_path)
    assert cookie["seller_session"]
    assert "httponly" in cookie
    assert cookie["samesite"] == "lax"
    assert cookie["path"] == "/"
    assert "secure" not in cookie
    assert 0 < int(cookie["max-age"]) <= 24 * 3600


def test_the_cookie_is_secure_when_served_over_https(tmp_path):
    assert "secure" in session_cookie(tmp_path, base_url="https://shop-tools.example")


@pytest.mark.parametrize("secure, over_http, over_https", [
    ("always", True, True), ("never", False, False), ("auto", False, True),
])
def test_secure_can_be_forced_either_way(tmp_path, secure, over_http, over_https):
    http = session_cookie(tmp_path / "http", cookie_secure=secure)
    https = session_cookie(tmp_path / "https", "https://shop-tools.example", cookie_secure=secure)
    assert ("secure" in http, "secure" in https) == (over_http, over_https)


@pytest.mark.parametrize("same_site", ["strict", "none"])
def test_same_site_comes_from_the_settings(tmp_path, same_site):
    cookie = session_cookie(tmp_path, cookie_samesite=same_site, cookie_secure="always")
    assert cookie["samesite"] == same_site


def test_the_session_secret_is_its_own_private_file(settings, app):
    session_secret = settings.session_secret_path.read_bytes()
    assert len(session_secret) >= 64
    assert settings.session_secret_path.stat().st_mode & 0o077 == 0
    assert session_secret != settings.secret_path.read_bytes()

    create_app(settings)  # a restart keeps it, so sellers stay signed in
    assert settings.session_secret_path.read_bytes() == session_secret


def test_the_session_secret_can_come_from_the_environment(settings, monkeypatch):
    monkeypatch.setenv(SESSION_SECRET_ENV, "s" * 64)
    create_app(settings)
    assert not settings.session_secret_path.exists()


@pytest.mark.parametrize("session_secret, message", [
    ("short", "at least 32 bytes"),
    ("t" * 64, "differ from the token secret"),
])
def test_a_weak_or_shared_session_secret_stops_the_server(settings, monkeypatch,
                                                          session_secret, message):
    monkeypatch.setenv(SECRET_ENV, "t" * 64)
    monkeypatch.setenv(SESSION_SECRET_ENV, session_secret)
    with pytest.raises(SecretUnfit, match=message):
        create_app(settings)
