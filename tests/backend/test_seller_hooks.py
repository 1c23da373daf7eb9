"""Linking TikTok sellers to the ISV's own users: the seller hook (the ISV's login names
the seller), ``on_seller_connected`` and ``on_seller_disconnected``, and the backend
mounted in an app with sessions of its own."""

import logging

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from tiktokshop_backend import SellerProfile, create_app
from tiktokshop_sandbox import DEMO_SELLER
from tiktokshop_widgets.backend import NOT_CONNECTED, RECONNECT_NEEDED, SELLER_PATH, TOKEN_PATH

from .conftest import GB_SHOP, OWN_ORIGIN, US_SHOP, backend_settings, connect

DAY = 86_400
QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}
# The ISV's login, here a header its own auth would have checked: user -> TikTok seller.
LINKS = {"alice": DEMO_SELLER.open_id, "carol": "a-seller-who-never-connected"}


def by_header(request):
    return LINKS.get(request.headers.get("x-isv-user"))


async def by_header_async(request):
    return by_header(request)


@pytest.mark.parametrize("hook", [by_header, by_header_async], ids=["sync", "async"])
def test_the_seller_hook_names_the_seller_from_the_isvs_login(make_backend, tiktok, hook):
    client = make_backend({"seller_hook": hook})
    connect(client, tiktok)  # the seller connected; the backend's own session is not asked
    alice = client.get(SELLER_PATH, headers={"x-isv-user": "alice"})
    assert alice.status_code == 200
    assert [shop["id"] for shop in alice.json()["data"]["shops"]] == [US_SHOP, GB_SHOP]
    assert client.get(TOKEN_PATH, params=QUERY, headers={"x-isv-user": "alice"}).status_code == 200

    for who in ({}, {"x-isv-user": "bob"}, {"x-isv-user": "carol"}):  # none; never connected
        refused = client.get(TOKEN_PATH, params=QUERY, headers=who)
        assert refused.status_code == 401 and refused.json()["code"] == NOT_CONNECTED
        assert refused.json()["data"] == {"connect_url": "/auth/tiktok/start"}


def test_on_seller_connected_gets_the_seller_and_a_url_without_the_code(make_backend, tiktok):
    told = []
    client = make_backend({"on_seller_connected": lambda request, seller: told.append(
        (request.url.path, dict(request.query_params), seller))})
    connect(client, tiktok)
    ((path, query, seller),) = told
    assert path == "/auth/tiktok/callback" and query == {"code": "***", "state": "***"}
    assert seller == SellerProfile(DEMO_SELLER.open_id, "Demo Seller", "US", seller.shops)
    assert [(shop.id, shop.region) for shop in seller.shops] == [(US_SHOP, "US"), (GB_SHOP, "GB")]


def test_on_seller_connected_may_answer_the_callback_itself(make_backend, tiktok):
    async def welcome(request, seller):
        return RedirectResponse("/welcome?seller=" + seller.open_id, 303)

    client = make_backend({"on_seller_connected": welcome})
    start = client.get("/auth/tiktok/start", follow_redirects=False)
    state = start.headers["location"].rsplit("state=", 1)[1]
    redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
    back = client.get("/auth/tiktok/callback?" + redirect.split("?", 1)[1],
                      follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"] == "/welcome?seller=" + DEMO_SELLER.open_id


def test_a_failing_on_seller_connected_is_a_page_and_a_log_line(make_backend, tiktok, logs):
    def broken(request, seller):
        raise RuntimeError("the ISV's user table is down")

    client = make_backend({"on_seller_connected": broken})
    start = client.get("/auth/tiktok/start", follow_redirects=False)
    state = start.headers["location"].rsplit("state=", 1)[1]
    redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
    page = client.get("/auth/tiktok/callback?" + redirect.split("?", 1)[1],
                      follow_redirects=False)
    assert page.status_code == 500
    assert "could not record it" in page.text and "Traceback" not in page.text
    assert "Connect your TikTok Shop" in page.text
    assert any("on_seller_connected failed" in record.getMessage() and record.exc_info
               for record in logs.records)


def revoke_and_let_the_access_token_lapse(tiktok):
    tiktok.control("revoke", all=True)
    tiktok.clock.advance(7 * DAY)


@pytest.mark.parametrize("lapse", ["refused", "expired"])
def test_on_seller_disconnected_when_the_connection_lapses_once_per_lapse(
        make_backend, tiktok, lapse):
    told = []

    async def disconnected(seller):
        told.append(seller)

    client = make_backend({"on_seller_disconnected": disconnected})
    connect(client, tiktok)
    assert client.get(TOKEN_PATH, params=QUERY).status_code == 200 and told == []
    if lapse == "refused":  # TikTok refuses the refresh token (the seller revoked the app)
        revoke_and_let_the_access_token_lapse(tiktok)
    else:  # the refresh token's own expiry (30 days in the sandbox) passed
        tiktok.clock.advance(31 * DAY)

    for _ in range(3):
        refused = client.get(TOKEN_PATH, params=QUERY)
        assert refused.json()["code"] == RECONNECT_NEEDED
    assert client.get(SELLER_PATH).json()["code"] == RECONNECT_NEEDED
    (seller,) = told
    assert seller.open_id == DEMO_SELLER.open_id
    assert [shop.id for shop in seller.shops] == [US_SHOP, GB_SHOP]

    connect(client, tiktok)  # connected again: a later lapse is told again
    assert client.get(TOKEN_PATH, params=QUERY).status_code == 200
    revoke_and_let_the_access_token_lapse(tiktok)
    assert client.get(TOKEN_PATH, params=QUERY).json()["code"] == RECONNECT_NEEDED
    assert len(told) == 2


def test_a_failing_on_seller_disconnected_is_logged_and_the_page_still_hears_reconnect(
        make_backend, tiktok, logs):
    def broken(seller):
        raise RuntimeError("the ISV's user table is down")

    client = make_backend({"on_seller_disconnected": broken})
    connect(client, tiktok)
    revoke_and_let_the_access_token_lapse(tiktok)
    assert client.get(TOKEN_PATH, params=QUERY).json()["code"] == RECONNECT_NEEDED
    assert any("on_seller_disconnected failed" in record.getMessage()
               for record in logs.records if record.levelno == logging.ERROR)


def test_mounted_in_an_app_with_its_own_sessions_each_keeps_its_own(tmp_path, tiktok):
    """The host app's login survives Connect, and the seller hook reads it."""
    seen = []

    def seller_of_user(request):
        seen.append(dict(request.session))
        return DEMO_SELLER.open_id if request.session.get("user") == "alice" else None

    async def sign_in(request):
        request.session["user"] = "alice"
        return JSONResponse({"user": "alice"})

    async def whoami(request):
        return JSONResponse(dict(request.session))

    backend = create_app(backend_settings(tmp_path, tiktok), clock=tiktok.clock,
                         seller_hook=seller_of_user)
    host = Starlette(routes=[Route("/signin", sign_in, methods=["POST"]),
                             Route("/whoami", whoami), Mount("/tiktok", app=backend)],
                     middleware=[Middleware(SessionMiddleware, secret_key="host-secret-" * 4,
                                            session_cookie="isv_session")])
    with TestClient(host, base_url=OWN_ORIGIN) as browser:
        browser.post("/signin")
        start = browser.get("/tiktok/auth/tiktok/start", follow_redirects=False)
        assert start.status_code == 302
        assert browser.get("/whoami").json() == {"user": "alice"}  # still signed in

        state = start.headers["location"].rsplit("state=", 1)[1]
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        query = redirect.split("?", 1)[1]  # the sandbox knows the callback at the root
        back = browser.get("/tiktok/auth/tiktok/callback?" + query, follow_redirects=False)
        assert back.status_code == 302
        assert browser.get("/whoami").json() == {"user": "alice"}
        assert browser.get("/tiktok" + SELLER_PATH).status_code == 200
        assert seen[-1] == {"user": "alice"}
