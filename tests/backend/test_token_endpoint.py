"""The seed's token endpoint, served by the backend: the reply the seed's examples
consume, who gets a token, from which pages, how often, and the JSON errors of the rest.
(These are the guarantees the dev server's own endpoint had, now the backend's.)"""

import base64
import json

import pytest

from tiktokshop_widgets.backend import TOKEN_PATH

from .conftest import GB_SHOP, OWN_ORIGIN, US_SHOP, connect, store_other_seller

PARTNER_APP = "https://app.example"


def token_query(shop=US_SHOP):
    return {"outer_shop_id": shop, "partner_type": "1"}


def json_error(response, status, code) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"code", "message", "data"}
    assert body["code"] == code and body["message"]
    if code in (40100, 40101):
        assert body["data"] == {"connect_url": "/auth/tiktok/start"}
    else:
        assert body["data"] is None
    return body["message"]


def test_a_seller_of_the_shop_gets_tikToks_widget_token(backend, tiktok):
    connect(backend, tiktok)
    response = backend.get(TOKEN_PATH, params=token_query())

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"] == 0 and body["message"] == "success"
    assert set(body["data"]) == {"token", "expire_at", "expires_in"}
    token, expire_at = body["data"]["token"], body["data"]["expire_at"]
    assert token.startswith("eyJ")
    assert isinstance(expire_at, str) and int(expire_at) == int(tiktok.clock.now()) + 300
    assert body["data"]["expires_in"] == 300
    # The token is TikTok's (the sandbox's), for this shop: its platform accepts it.
    claims = tiktok_signer(tiktok).verify(token)
    assert claims.shop_id == US_SHOP


def tiktok_signer(tiktok):
    from tiktokshop_sandbox import TokenSigner, load_or_create_secret
    secret = load_or_create_secret(tiktok.settings.platform_secret_path)
    return TokenSigner(secret, app_key=tiktok.settings.app_key, ttl=300, clock=tiktok.clock)


def test_a_token_is_reused_until_shortly_before_it_expires(backend, tiktok):
    connect(backend, tiktok)
    first = backend.get(TOKEN_PATH, params=token_query()).json()["data"]
    assert backend.get(TOKEN_PATH, params=token_query()).json()["data"] == first
    tiktok.clock.advance(300 - 60 - 1)  # still more than the margin (60 s) left
    later = backend.get(TOKEN_PATH, params=token_query()).json()["data"]
    assert (later["token"], later["expire_at"]) == (first["token"], first["expire_at"])
    tiktok.clock.advance(2)
    second = backend.get(TOKEN_PATH, params=token_query()).json()["data"]
    assert second["token"] != first["token"] and int(second["expire_at"]) > int(first["expire_at"])


def test_expires_in_counts_the_seconds_left_on_the_backends_clock(backend, tiktok):
    # A browser whose clock is off judges the token by expires_in, not by expire_at.
    connect(backend, tiktok)
    first = backend.get(TOKEN_PATH, params=token_query()).json()["data"]
    assert first["expires_in"] == int(first["expire_at"]) - tiktok.clock.now() == 300
    tiktok.clock.advance(200)  # the same, cached token: less of it left
    again = backend.get(TOKEN_PATH, params=token_query()).json()["data"]
    assert (again["token"], again["expire_at"]) == (first["token"], first["expire_at"])
    assert again["expires_in"] == int(again["expire_at"]) - tiktok.clock.now() == 100
    tiktok.clock.advance(50)  # within the margin: a new token, a whole lifetime left
    fresh = backend.get(TOKEN_PATH, params=token_query()).json()["data"]
    assert fresh["token"] != first["token"]
    assert fresh["expires_in"] == int(fresh["expire_at"]) - tiktok.clock.now() == 300


def test_each_shop_has_its_own_token(backend, tiktok):
    connect(backend, tiktok)
    us = backend.get(TOKEN_PATH, params=token_query(US_SHOP)).json()["data"]["token"]
    gb = backend.get(TOKEN_PATH, params=token_query(GB_SHOP)).json()["data"]["token"]
    assert tiktok_signer(tiktok).verify(gb).shop_id == GB_SHOP and us != gb


def test_without_a_seller_there_is_no_token(backend):
    assert "connect" in json_error(backend.get(TOKEN_PATH, params=token_query()), 401, 40100)


def test_a_seller_gets_no_token_for_a_shop_they_did_not_authorize(backend, tiktok):
    connect(backend, tiktok, shops=[GB_SHOP])
    store_other_seller(backend, [US_SHOP])  # the shop is connected, by another seller
    message = json_error(backend.get(TOKEN_PATH, params=token_query(US_SHOP)), 403, 40300)
    assert US_SHOP in message
    assert backend.get(TOKEN_PATH, params=token_query(GB_SHOP)).status_code == 200


def test_a_forged_or_tampered_session_cookie_is_no_session(backend, tiktok):
    connect(backend, tiktok)
    data, timestamp, signature = backend.cookies["seller_session"].split(".")
    forged = base64.b64encode(json.dumps({"sid": "x", "open_id": "someone"}).encode()).decode()
    for value in (f"{forged}.{timestamp}.{signature}", f"{data}.{timestamp}.x{signature[1:]}",
                  "not-a-session"):
        backend.cookies.clear()
        backend.cookies.set("seller_session", value)
        json_error(backend.get(TOKEN_PATH, params=token_query()), 401, 40100)


def test_a_session_signed_with_another_secret_is_no_session(make_backend, backend, tiktok):
    connect(backend, tiktok)
    other = make_backend(session_secret="another-session-secret-" + "y" * 20)
    other.cookies.set("seller_session", backend.cookies["seller_session"])
    json_error(other.get(TOKEN_PATH, params=token_query()), 401, 40100)


@pytest.mark.parametrize(
    "query, message",
    [
        ("partner_type=1", "outer_shop_id"),
        ("outer_shop_id=&partner_type=1", "outer_shop_id"),
        ("outer_shop_id=xxx&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id={'1' * 33}&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id={US_SHOP}%27%20or%201%3D1&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id={US_SHOP}%00&partner_type=1", "outer_shop_id"),
        (f"outer_shop_id=%EF%BC%91{US_SHOP[1:]}&partner_type=1", "outer_shop_id"),  # fullwidth 1
        (f"outer_shop_id={US_SHOP}", "partner_type"),
        (f"outer_shop_id={US_SHOP}&partner_type=2", "partner_type"),
        (f"outer_shop_id={US_SHOP}&partner_type=1&partner_type=1", "partner_type is given 2"),
        (f"outer_shop_id={US_SHOP}&outer_shop_id={GB_SHOP}&partner_type=1", "given 2 times"),
        (f"outer_shop_id={US_SHOP}&partner_type=1&debug=1", "unexpected query parameter 'debug'"),
        (f"outer_shop_id={US_SHOP}&partner_type=1&pad={'x' * 300}", "longer than 256"),
    ],
)
def test_bad_queries_get_a_json_400_naming_the_problem(backend, tiktok, query, message):
    connect(backend, tiktok)
    assert message in json_error(backend.get(f"{TOKEN_PATH}?{query}"), 400, 40000)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD"])
def test_other_methods_get_a_json_405(backend, method):
    response = backend.request(method, TOKEN_PATH, params=token_query())
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.headers["cache-control"] == "no-store"
    if method != "HEAD":
        assert response.json()["code"] == 40500


def test_a_page_of_this_server_may_send_its_origin(backend, tiktok):
    connect(backend, tiktok)
    response = backend.get(TOKEN_PATH, params=token_query(), headers={"origin": OWN_ORIGIN})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://127.0.0.1:8001", "https://127.0.0.1:8000", "null", ""]
)
def test_pages_on_other_origins_are_refused_even_with_the_sellers_cookie(backend, tiktok, origin):
    connect(backend, tiktok)
    response = backend.get(TOKEN_PATH, params=token_query(), headers={"origin": origin})
    json_error(response, 403, 40301)
    assert "access-control-allow-origin" not in response.headers


def test_an_allowed_origin_gets_cors_with_credentials(make_backend, tiktok):
    client = make_backend(cors_origins=(PARTNER_APP,))
    connect(client, tiktok)
    response = client.get(TOKEN_PATH, params=token_query(), headers={"origin": PARTNER_APP})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PARTNER_APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "origin" in response.headers["vary"].lower()
    client.cookies.clear()  # errors are readable by the allowed page too, so it can show why
    refused = client.get(TOKEN_PATH, params=token_query(), headers={"origin": PARTNER_APP})
    json_error(refused, 401, 40100)
    assert refused.headers["access-control-allow-origin"] == PARTNER_APP
    other = client.get(TOKEN_PATH, params=token_query(), headers={"origin": "https://b.example"})
    json_error(other, 403, 40301)


def test_an_allowed_origin_gets_its_preflight_answered(make_backend):
    client = make_backend(cors_origins=(PARTNER_APP,))
    preflight = {"origin": PARTNER_APP, "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"}
    response = client.options("/api/v1/seller/current_shop", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PARTNER_APP
    assert response.headers["access-control-allow-credentials"] == "true"
    refused = client.options(TOKEN_PATH, headers={**preflight, "origin": "https://b.example"})
    json_error(refused, 403, 40301)


def test_a_request_naming_no_proper_host_is_refused_not_a_crash(backend):
    response = backend.get(TOKEN_PATH, params=token_query(),
                           headers={"host": "[::1", "origin": "http://[::1"})
    json_error(response, 403, 40301)


PUBLIC_ORIGIN = "https://shop-tools.example"


def test_with_a_public_origin_the_host_header_proves_nothing(make_backend, tiktok):
    client = make_backend(public_origin=PUBLIC_ORIGIN)
    client.base_url = "http://shop-tools.example:8000"
    same_as_host = client.get(TOKEN_PATH, params=token_query(),
                              headers={"origin": "http://shop-tools.example:8000"})
    json_error(same_as_host, 403, 40301)
    ok = client.get(TOKEN_PATH, params=token_query(), headers={"origin": PUBLIC_ORIGIN})
    json_error(ok, 401, 40100)  # past the origin check: it only lacks a seller
    client.base_url = OWN_ORIGIN  # a host that is not ours
    other_host = client.get(TOKEN_PATH, params=token_query())
    assert other_host.status_code == 400 and other_host.text == "Invalid host header"


def test_a_session_over_its_rate_gets_429_with_retry_after(make_backend, tiktok):
    client = make_backend(token_limit_per_session="3/minute")
    connect(client, tiktok)
    replies = [client.get(TOKEN_PATH, params=token_query()) for _ in range(4)]
    assert [r.status_code for r in replies] == [200, 200, 200, 429]
    assert "too many" in json_error(replies[-1], 429, 42900)
    assert 1 <= int(replies[-1].headers["retry-after"]) <= 60
    connect(client, tiktok)  # a new session has a rate of its own
    assert client.get(TOKEN_PATH, params=token_query()).status_code == 200


def test_an_ip_over_its_rate_gets_429_whatever_its_sessions(make_backend, tiktok):
    client = make_backend(token_limit_per_ip="3/minute")
    statuses = [client.get(TOKEN_PATH, params=token_query()).status_code]  # no seller: counts
    connect(client, tiktok)
    for _ in range(3):
        statuses.append(client.get(TOKEN_PATH, params=token_query()).status_code)
    assert statuses == [401, 200, 200, 429]


def test_the_default_rates_leave_a_normal_page_alone(backend, tiktok):
    connect(backend, tiktok)
    assert all(backend.get(TOKEN_PATH, params=token_query()).status_code == 200
               for _ in range(30))
