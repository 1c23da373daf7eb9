"""A seller connects TikTok Shop through the backend: the OAuth start, TikTok's authorize
step (the sandbox's), the callback; then who am I, and switching the current shop."""

from urllib.parse import parse_qs, urlsplit

from tiktokshop_sandbox import SANDBOX_SERVICE_ID
from tiktokshop_widgets.backend import CURRENT_SHOP_PATH, NOT_CONNECTED, SELLER_PATH

from .conftest import GB_SHOP, OWN_ORIGIN, US_SHOP, another_browser, connect, store_other_seller


def test_a_new_browser_is_not_connected_and_gets_the_connect_url(backend):
    response = backend.get(SELLER_PATH)
    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"code": NOT_CONNECTED, "message": response.json()["message"],
                               "data": {"connect_url": "/auth/tiktok/start"}}


def test_start_sends_the_browser_to_tiktoks_authorize_page_with_a_state(backend, tiktok):
    response = backend.get("/auth/tiktok/start", follow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        tiktok.base + "/services/open/authorize")
    query = parse_qs(location.query)
    assert query["service_id"] == [SANDBOX_SERVICE_ID]
    assert len(query["state"][0]) >= 32
    assert "seller_session=" in response.headers["set-cookie"]


def test_a_connected_seller_sees_their_shops_and_can_switch(backend, tiktok):
    connect(backend, tiktok)
    body = backend.get(SELLER_PATH).json()
    assert body["code"] == 0
    data = body["data"]
    assert data["seller"]["name"] == "Demo Seller"
    assert [(s["id"], s["region"]) for s in data["shops"]] == [(US_SHOP, "US"), (GB_SHOP, "GB")]
    assert data["current_shop_id"] == US_SHOP
    assert data["connect_url"] == "/auth/tiktok/start"

    switched = backend.post(CURRENT_SHOP_PATH, json={"shop_id": GB_SHOP})
    assert switched.status_code == 200 and switched.json()["data"]["current_shop_id"] == GB_SHOP
    assert backend.get(SELLER_PATH).json()["data"]["current_shop_id"] == GB_SHOP


def test_switching_to_a_shop_that_is_not_the_sellers_is_403(backend, tiktok):
    connect(backend, tiktok, shops=[US_SHOP])
    store_other_seller(backend, [GB_SHOP])  # the shop is connected, by another seller
    response = backend.post(CURRENT_SHOP_PATH, json={"shop_id": GB_SHOP})
    assert response.status_code == 403 and response.json()["code"] == 40300
    assert backend.get(SELLER_PATH).json()["data"]["current_shop_id"] == US_SHOP


def test_a_page_on_another_origin_cannot_switch_the_sellers_shop(backend, tiktok):
    connect(backend, tiktok)
    for origin in ("http://evil.example", "null"):
        response = backend.post(CURRENT_SHOP_PATH, json={"shop_id": GB_SHOP},
                                headers={"origin": origin})
        assert response.status_code == 403 and response.json()["code"] == 40301
        assert "access-control-allow-origin" not in response.headers
    assert backend.get(SELLER_PATH).json()["data"]["current_shop_id"] == US_SHOP
    own = backend.post(CURRENT_SHOP_PATH, json={"shop_id": GB_SHOP}, headers={"origin": OWN_ORIGIN})
    assert own.status_code == 200 and own.json()["data"]["current_shop_id"] == GB_SHOP


def test_bad_switch_bodies_get_a_400_naming_the_problem(backend, tiktok):
    connect(backend, tiktok)
    for body, message in [({"shop_id": 7}, "string"), ({}, "shop_id"),
                          ({"shop_id": US_SHOP, "x": 1}, "shop_id"), ([US_SHOP], "shop_id")]:
        response = backend.post(CURRENT_SHOP_PATH, json=body)
        assert response.status_code == 400 and message in response.json()["message"]
    not_json = backend.post(CURRENT_SHOP_PATH, content=b"shop_id=1",
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert not_json.status_code == 400 and "application/json" in not_json.json()["message"]
    big = backend.post(CURRENT_SHOP_PATH, content=b"{" + b" " * 2000 + b"}",
                       headers={"content-type": "application/json"})
    assert big.status_code == 400 and "longer" in big.json()["message"]


def test_the_callback_checks_the_state_before_anything_else(backend, tiktok):
    backend.get("/auth/tiktok/start", follow_redirects=False)
    # A code TikTok really issued, but for a state this browser was never given.
    redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state="forged-state")
    query = urlsplit(redirect["redirect_url"]).query
    response = backend.get("/auth/tiktok/callback?" + query, follow_redirects=False)
    assert response.status_code == 400 and "expired" in response.text
    assert backend.get(SELLER_PATH).status_code == 401


def test_a_state_works_once_and_only_in_its_own_browser(backend, tiktok):
    start = backend.get("/auth/tiktok/start", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
    callback = "/auth/tiktok/callback?" + urlsplit(redirect).query

    # Another browser of the same backend (which did store that state), with a session
    # of its own (a start of its own), brings the first browser's code and state back.
    other_browser = another_browser(backend)
    other_browser.get("/auth/tiktok/start", follow_redirects=False)
    refused = other_browser.get(callback, follow_redirects=False)
    assert refused.status_code == 400 and "another browser" in refused.text
    assert other_browser.get(SELLER_PATH).status_code == 401
    assert backend.get(callback, follow_redirects=False).status_code == 302
    assert backend.get(callback, follow_redirects=False).status_code == 400  # used


def test_connecting_starts_a_new_session(backend, tiktok):
    backend.get("/auth/tiktok/start", follow_redirects=False)
    before = backend.cookies["seller_session"]
    connect(backend, tiktok)
    assert backend.cookies["seller_session"] != before


def test_a_refused_code_is_a_page_not_a_crash(backend, tiktok):
    start = backend.get("/auth/tiktok/start", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    tiktok.control("authorize", shop_ids=[US_SHOP], state=state)
    response = backend.get(f"/auth/tiktok/callback?code=not-a-code&state={state}",
                           follow_redirects=False)
    assert response.status_code == 502
    assert "Connect your TikTok Shop" in response.text and "Traceback" not in response.text


def test_mounted_under_a_prefix_the_connect_url_carries_it(tmp_path, tiktok):
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    from tiktokshop_backend import create_app

    from .conftest import backend_settings

    backend = create_app(backend_settings(tmp_path, tiktok), clock=tiktok.clock)
    isv_app = Starlette(routes=[Mount("/tiktok", app=backend)])
    with TestClient(isv_app, base_url=OWN_ORIGIN) as client:
        response = client.get("/tiktok" + SELLER_PATH)
        assert response.status_code == 401
        assert response.json()["data"]["connect_url"] == "/tiktok/auth/tiktok/start"


def test_oauth_starts_have_a_rate_per_ip(make_backend):
    client = make_backend(token_limit_per_ip="2/minute")
    statuses = [client.get("/auth/tiktok/start", follow_redirects=False).status_code
                for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert client.get(SELLER_PATH).status_code == 401  # the API's own rate is untouched
