"""Sandbox widget tokens: what the platform accepts and refuses."""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from tiktokshop_sandbox import Clock, widget_tokens
from tiktokshop_sandbox.widget_tokens import (
    ALGORITHM,
    SecretUnfit,
    TokenExpired,
    TokenInvalid,
    TokenSigner,
    load_or_create_secret,
)

SECRET = b"s" * 64
SHOP = "7495610000000000001"
SECRET_ENV = "SOME_TOKEN_SECRET"


def signer(secret=SECRET, ttl=300):
    return TokenSigner(secret, app_key="6sandboxapp01", ttl=ttl)


def test_a_token_verifies_to_its_shop_app_key_and_expiry():
    issued = signer().issue(SHOP)
    claims = signer().verify(issued.token)
    assert (claims.shop_id, claims.app_key, claims.expire_at) == (SHOP, "6sandboxapp01", issued.expire_at)


def test_an_expired_token_is_expired_not_invalid():
    issued = signer().issue(SHOP, ttl=-5)
    with pytest.raises(TokenExpired):
        signer().verify(issued.token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        signer(secret=b"x" * 64).issue(SHOP).token,  # signed with another secret
        jwt.encode({"shop_id": SHOP, "app_key": "k", "exp": 9999999999, "iat": 1,
                    "iss": "sandbox-widget-platform"}, "", algorithm="none"),
        jwt.encode({"shop_id": SHOP, "exp": 9999999999, "iat": 1,
                    "iss": "sandbox-widget-platform"}, SECRET, algorithm=ALGORITHM),
        jwt.encode({"shop_id": SHOP, "app_key": "k", "exp": 9999999999, "iat": 1,
                    "iss": "someone-else"}, SECRET, algorithm=ALGORITHM),
        jwt.encode({"shop_id": 7, "app_key": "k", "exp": 9999999999, "iat": 1,
                    "iss": "sandbox-widget-platform"}, SECRET, algorithm=ALGORITHM),
    ],
    ids=["empty", "garbage", "foreign-secret", "alg-none", "no-app-key", "foreign-issuer",
         "numeric-shop"],
)
def test_forged_or_malformed_tokens_are_invalid(token):
    with pytest.raises(TokenInvalid):
        signer().verify(token)


def test_tokens_expire_on_the_clock_they_were_given():
    clock = Clock(start=1_767_225_600)
    on_the_clock = TokenSigner(SECRET, app_key="6sandboxapp01", ttl=300, clock=clock)
    issued = on_the_clock.issue(SHOP)
    assert issued.expire_at == 1_767_225_600 + 300
    clock.advance(299)
    assert on_the_clock.verify(issued.token).shop_id == SHOP
    clock.advance(1)
    with pytest.raises(TokenExpired):
        on_the_clock.verify(issued.token)


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError):
        TokenSigner(b"short", app_key="k", ttl=1)


def test_the_secret_comes_from_the_environment_first(tmp_path):
    path = tmp_path / "secret"
    assert load_or_create_secret(path, {SECRET_ENV: "e" * 40}, SECRET_ENV) == b"e" * 40
    assert not path.exists()


def test_a_new_secret_is_random_and_kept(tmp_path):
    first = load_or_create_secret(tmp_path / "a" / "secret", {})
    assert load_or_create_secret(tmp_path / "a" / "secret", {}) == first
    assert load_or_create_secret(tmp_path / "b" / "secret", {}) != first


def test_a_new_secret_file_is_private(tmp_path):
    load_or_create_secret(tmp_path / "secret", {})
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]  # no draft left behind


@pytest.mark.parametrize("environ, file, source", [
    ({SECRET_ENV: "short"}, None, SECRET_ENV),
    ({}, b"", "secret"),
    ({}, b"  short\n", "secret"),
])
def test_a_short_secret_is_refused_naming_where_it_came_from(tmp_path, environ, file, source):
    if file is not None:
        (tmp_path / "secret").write_bytes(file)
    with pytest.raises(SecretUnfit, match=f"{source} must be at least 32 bytes"):
        load_or_create_secret(tmp_path / "secret", environ, SECRET_ENV)


def test_the_secret_file_is_never_seen_half_written(tmp_path):
    """Another server starting at the same moment may read the file between any
    two steps of making it: it must find no file, or the whole secret."""
    path = tmp_path / "secret"
    seen = []

    def watch(frame, event, arg):
        if frame.f_code.co_filename != widget_tokens.__file__:
            return None
        if path.exists():
            seen.append(path.read_bytes())
        return watch

    sys.settrace(watch)
    try:
        secret = load_or_create_secret(path, {})
    finally:
        sys.settrace(None)
    assert seen and all(content.strip() == secret for content in seen)


def start_together(barrier: threading.Barrier, path) -> bytes:
    barrier.wait()
    return load_or_create_secret(path, {})


def test_servers_starting_together_share_one_secret(tmp_path):
    """Threads stand in for server processes: what they share is the file."""
    servers = 8
    for attempt in range(20):
        path = tmp_path / str(attempt) / "secret"
        barrier = threading.Barrier(servers)
        with ThreadPoolExecutor(servers) as pool:
            started = [pool.submit(start_together, barrier, path) for _ in range(servers)]
            secrets = {future.result() for future in started}
        assert secrets == {path.read_bytes().strip()}
        assert [p.name for p in path.parent.iterdir()] == ["secret"]
