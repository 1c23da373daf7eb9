"""The ISV token endpoint: the reply shape the seed's examples consume, and errors."""

import time

import jwt
import pytest

from devserver.settings import SANDBOX_APP_KEY

DEMO_SHOP = "7495610000000000001"
TOKEN_URL = "/api/v1/widget/access_token"


def test_issues_a_signed_token_for_a_known_shop(client, app):
    before = int(time.time())
    response = client.get(TOKEN_URL, params={"outer_shop_id": DEMO_SHOP, "partner_type": "1"})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"] == 0 and body["message"] == "success"
    assert set(body["data"]) == {"token", "expire_at"}
    token, expire_at = body["data"]["token"], body["data"]["expire_at"]
    assert isinstance(expire_at, str) and expire_at.isdigit()
    assert before + 300 <= int(expire_at) <= int(time.time()) + 300
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    claims = app.state.signer.verify(token)
    assert (claims.shop_id, claims.app_key, claims.expire_at) == (
        DEMO_SHOP, SANDBOX_APP_KEY, int(expire_at))


def test_each_call_issues_a_new_token(client):
    params = {"outer_shop_id": DEMO_SHOP, "partner_type": "1"}
    first = client.get(TOKEN_URL, params=params).json()["data"]["token"]
    second = client.get(TOKEN_URL, params=params).json()["data"]["token"]
    assert first != second


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({"partner_type": "1"}, 400, "outer_shop_id"),
        ({"outer_shop_id": "", "partner_type": "1"}, 400, "outer_shop_id"),
        ({"outer_shop_id": "xxx", "partner_type": "1"}, 400, "outer_shop_id"),
        ({"outer_shop_id": "1" * 33, "partner_type": "1"}, 400, "outer_shop_id"),
        ({"outer_shop_id": DEMO_SHOP + "' or 1=1", "partner_type": "1"}, 400, "outer_shop_id"),
        ({"outer_shop_id": DEMO_SHOP}, 400, "partner_type"),
        ({"outer_shop_id": DEMO_SHOP, "partner_type": "2"}, 400, "partner_type"),
        ({"outer_shop_id": "1234567", "partner_type": "1"}, 404, "1234567"),
    ],
)
def test_bad_requests_get_a_json_error(client, params, status, message):
    response = client.get(TOKEN_URL, params=params)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"] != 0
    assert message in body["message"]
    assert body["data"] is None


def test_the_secret_is_made_once_and_kept_private(settings, app):
    secret = settings.secret_path.read_bytes()
    assert len(secret) >= 64
    assert settings.secret_path.stat().st_mode & 0o077 == 0

    from devserver.app import create_app

    create_app(settings)  # a restart keeps the secret, so issued tokens stay valid
    assert settings.secret_path.read_bytes() == secret
