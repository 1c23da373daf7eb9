"""The ISV token endpoint: the reply shape the seed's examples consume, who gets a token,
from which pages, how often, and the JSON errors of everything else."""

import base64
import json
import time

import jwt
import pytest
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.settings import Settings
from tiktokshop_sandbox import SANDBOX_APP_KEY

DEMO_SHOP = "7495610000000000001"
GB_SHOP = "7495610000000000002"
TOKEN_URL = "/api/v1/widget/access_token"
OWN_ORIGIN = "http://127.0.0.1:8000"  # the client fixture's base URL
PARTNER_APP = "https://app.example"


def token_query(shop=DEMO_SHOP):
    return {"outer_shop_id": shop, "partner_type": "1"}


def sign_in(client, shop=DEMO_SHOP):
    response = client.get("/sandbox/session", params={"shop_id": shop})
    assert response.status_code == 200, response.text


def json_error(response, status, code) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"code", "message", "data"}
    assert body["code"] == code and body["data"] is None and body["message"]
    return body["message"]


def client_for(tmp_path, **settings) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path / "data", cdn="live", **settings))
    return TestClient(app, base_url=OWN_ORIGIN)


# -- the reply ---------------------------------------------------------------------


def test_issues_a_signed_token_to_a_seller_of_the_shop(client, app):
    client.get("/")  # the demo page signs its visitor in to the demo shop
    before = int(time.time())
    response = client.get(TOKEN_URL, params=token_query())

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
    sign_in(client)
    first = client.get(TOKEN_URL, params=token_query()).json()["data"]["token"]
    second = client.get(TOKEN_URL, params=token_query()).json()["data"]["token"]
    assert first != second


# -- who gets one ------------------------------------------------------------------


def test_without_a_session_there_is_no_token(client):
    message = json_error(client.get(TOKEN_URL, params=token_query()), 401, 40100)
    assert "signed in" in message


def test_a_seller_gets_no_token_for_another_shop(client):
    sign_in(client, GB_SHOP)
    message = json_error(client.get(TOKEN_URL, params=token_query(DEMO_SHOP)), 403, 40300)
    assert DEMO_SHOP in message
    assert client.get(TOKEN_URL, params=token_query(GB_SHOP)).status_code == 200


def test_a_forged_or_tampered_session_cookie_is_no_session(client):
    sign_in(client, GB_SHOP)
    data, timestamp, signature = client.cookies["seller_session"].split(".")
    forged = base64.b64encode(json.dumps({"sid": "x", "shop_id": DEMO_SHOP}).encode()).decode()

    for value in (f"{forged}.{timestamp}.{signature}", f"{data}.{timestamp}.x{signature[1:]}",
                  "not-a-session"):
        client.cookies.clear()
        client.cookies.set("seller_session", value)
        json_error(client.get(TOKEN_URL, params=token_query(DEMO_SHOP)), 401, 40100)


def test_a_session_signed_with_another_servers_secret_is_no_session(tmp_path, client):
    with client_for(tmp_path / "other") as other:
        sign_in(other)
        client.cookies.clear()
        client.cookies.set("seller_session", other.cookies["seller_session"])
    json_error(client.get(TOKEN_URL, params=token_query()), 401, 40100)


# -- what it takes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ("partner_type=1", "outer_shop_id"),
        ("outer_shop_id=&partner_type=1", "outer_shop_id"),
        ("outer_shop_id=xxx&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id={'1' * 33}&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id={DEMO_SHOP}%27%20or%201%3D1&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id={DEMO_SHOP}%00&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id=%EF%BC%91{DEMO_SHOP[1:]}&partner_type=1", "outer_shop_id"),  # fullwidth 1
        (f"outer_shop_id={DEMO_SHOP}", "partner_type"),
        (f"outer_shop_id={DEMO_SHOP}&partner_type=2", "partner_type"),
        (f"outer_shop_id={DEMO_SHOP}&partner_type=1&partner_type=1", "partner_type is given 2"),
        (f"outer_shop_id={DEMO_SHOP}&outer_shop_id={GB_SHOP}&partner_type=1", "given 2 times"),
        (f"outer_shop_id={DEMO_SHOP}&partner_type=1&debug=1", "unexpected query parameter 'debug'"),
        (f"outer_shop_id={DEMO_SHOP}&partner_type=1&pad={'x' * 300}", "longer than 256"),
    ],
)
def test_bad_queries_get_a_json_400_naming_the_problem(client, query, message):
    sign_in(client)
    assert message in json_error(client.get(f"{TOKEN_URL}?{query}"), 400, 40000)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD"])
def test_other_methods_get_a_json_405(client, method):
    sign_in(client)
    response = client.request(method, TOKEN_URL, params=token_query())

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.headers["cache-control"] == "no-store"
    if method != "HEAD":
        assert response.json()["code"] == 40500


# -- from which pages --------------------------------------------------------------


def test_a_page_of_this_server_may_send_its_origin(client):
    sign_in(client)
    response = client.get(TOKEN_URL, params=token_query(), headers={"origin": OWN_ORIGIN})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://127.0.0.1:8001", "https://127.0.0.1:8000", "null", ""]
)
def test_pages_on_other_origins_are_refused_even_with_the_sellers_cookie(client, origin):
    sign_in(client)
    response = client.get(TOKEN_URL, params=token_query(), headers={"origin": origin})

    json_error(response, 403, 40301)
    assert "access-control-allow-origin" not in response.headers


def test_an_allowed_origin_gets_cors_with_credentials(tmp_path):
    with client_for(tmp_path, cors_origins=(PARTNER_APP,)) as client:
        sign_in(client)
        response = client.get(TOKEN_URL, params=token_query(), headers={"origin": PARTNER_APP})

        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == PARTNER_APP
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "origin" in response.headers["vary"].lower()
        # Errors are readable by the allowed page too, so it can show why.
        client.cookies.clear()
        refused = client.get(TOKEN_URL, params=token_query(), headers={"origin": PARTNER_APP})
        json_error(refused, 401, 40100)
        assert refused.headers["access-control-allow-origin"] == PARTNER_APP

        other = client.get(TOKEN_URL, params=token_query(), headers={"origin": "https://b.example"})
        json_error(other, 403, 40301)


def test_an_allowed_origin_gets_its_preflight_answered(tmp_path):
    with client_for(tmp_path, cors_origins=(PARTNER_APP,)) as client:
        preflight = {"origin": PARTNER_APP, "access-control-request-method": "GET"}
        response = client.options(TOKEN_URL, headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == PARTNER_APP
        assert response.headers["access-control-allow-credentials"] == "true"

        refused = client.options(TOKEN_URL, headers={**preflight, "origin": "https://b.example"})
        json_error(refused, 403, 40301)


def test_a_request_naming_no_proper_host_is_refused_not_a_crash(client):
    sign_in(client)
    response = client.get(TOKEN_URL, params=token_query(),
                          headers={"host": "[::1", "origin": "http://[::1"})
    json_error(response, 403, 40301)


# -- with a configured public origin -------------------------------------------------

PUBLIC_ORIGIN = "https://shop-tools.example"


def test_with_a_public_origin_its_pages_get_tokens(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", cdn="live", public_origin=PUBLIC_ORIGIN))
    with TestClient(app, base_url=PUBLIC_ORIGIN) as client:
        sign_in(client)
        response = client.get(TOKEN_URL, params=token_query(), headers={"origin": PUBLIC_ORIGIN})
        assert response.status_code == 200
        # Behind a proxy the app may see another port and scheme; the page's
        # origin is still the public one.
        client.base_url = "http://shop-tools.example:8000"
        sign_in(client)
        assert client.get(TOKEN_URL, params=token_query(),
                          headers={"origin": PUBLIC_ORIGIN}).status_code == 200


def test_with_a_public_origin_the_host_header_proves_nothing(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", cdn="live", public_origin=PUBLIC_ORIGIN))
    with TestClient(app, base_url="http://shop-tools.example:8000") as client:
        sign_in(client)
        # The Origin matches the Host the request names, but not the public origin.
        same_as_host = client.get(TOKEN_URL, params=token_query(),
                                  headers={"origin": "http://shop-tools.example:8000"})
        json_error(same_as_host, 403, 40301)

    with TestClient(app, base_url=OWN_ORIGIN) as client:  # a host that is not ours
        sign_in(client)
        other_host = client.get(TOKEN_URL, params=token_query())
        assert other_host.status_code == 400
        assert other_host.text == "Invalid host header"


# -- how often ---------------------------------------------------------------------


def test_a_session_over_its_rate_gets_429_with_retry_after(tmp_path):
    with client_for(tmp_path, token_limit_per_session="3/minute") as client:
        sign_in(client)
        replies = [client.get(TOKEN_URL, params=token_query()) for _ in range(4)]

        assert [r.status_code for r in replies] == [200, 200, 200, 429]
        assert "too many" in json_error(replies[-1], 429, 42900)
        assert 1 <= int(replies[-1].headers["retry-after"]) <= 60
        sign_in(client, GB_SHOP)  # a new session has a rate of its own
        assert client.get(TOKEN_URL, params=token_query(GB_SHOP)).status_code == 200


def test_an_ip_over_its_rate_gets_429_whatever_its_sessions(tmp_path):
    with client_for(tmp_path, token_limit_per_ip="3/minute") as client:
        statuses = [client.get(TOKEN_URL, params=token_query()).status_code]  # unsigned: counts
        for _ in range(3):
            sign_in(client)  # a new session each time
            statuses.append(client.get(TOKEN_URL, params=token_query()).status_code)

        assert statuses == [401, 200, 200, 429]
        assert int(client.get(TOKEN_URL, params=token_query()).headers["retry-after"]) >= 1


def test_the_default_rates_leave_a_normal_page_alone(client):
    client.get("/")
    assert all(client.get(TOKEN_URL, params=token_query()).status_code == 200 for _ in range(30))


# -- the secrets -------------------------------------------------------------------


def test_the_secret_is_made_once_and_kept_private(settings, app):
    secret = settings.secret_path.read_bytes()
    assert len(secret) >= 64
    assert settings.secret_path.stat().st_mode & 0o077 == 0

    create_app(settings)  # a restart keeps the secret, so issued tokens stay valid
    assert settings.secret_path.read_bytes() == secret
