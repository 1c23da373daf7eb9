"""Sandbox widget tokens: what the platform accepts and refuses."""

import jwt
import pytest

from devserver.tokens import (
    ALGORITHM,
    SECRET_ENV,
    TokenExpired,
    TokenInvalid,
    TokenSigner,
    load_or_create_secret,
)

SECRET = b"s" * 64
SHOP = "7495610000000000001"


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


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError):
        TokenSigner(b"short", app_key="k", ttl=1)


def test_the_secret_comes_from_the_environment_first(tmp_path):
    path = tmp_path / "secret"
    assert load_or_create_secret(path, {SECRET_ENV: "e" * 40}) == b"e" * 40
    assert not path.exists()


def test_a_new_secret_is_random_and_kept(tmp_path):
    first = load_or_create_secret(tmp_path / "a" / "secret", {})
    assert load_or_create_secret(tmp_path / "a" / "secret", {}) == first
    assert load_or_create_secret(tmp_path / "b" / "secret", {}) != first
