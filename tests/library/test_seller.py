"""SellerAccount: the seller's shops from the backend, switching, and "connect" instead of errors."""

import asyncio
import json

import pytest

from tiktokshop_widgets import (
    Backend,
    BackendError,
    BackendToken,
    SellerAccount,
    SellerNotConnected,
    Shop,
    TokenError,
    WidgetConfig,
)
from tiktokshop_widgets.backend import NOT_CONNECTED, RECONNECT_NEEDED

from .fake_page import FakeFetch, FakePage, as_js_drives_it

pytestmark = pytest.mark.anyio
BACKEND = "https://backend.example/isv"
MAPLE = {"id": "7495610000000000001", "name": "Maple & Co", "region": "US"}
THAMES = {"id": "7495610000000000002", "name": "Thames Home Goods", "region": "GB"}


def seller_reply(current=MAPLE["id"], shops=(MAPLE, THAMES)):
    return 200, {"code": 0, "message": "success", "data": {
        "seller": {"name": "Ada"}, "shops": list(shops), "current_shop_id": current,
        "connect_url": "/isv/auth/tiktok/start"}}


def account(*replies):
    fetch = FakeFetch(*replies)
    return SellerAccount(Backend(BACKEND, fetch=fetch, page=FakePage())), fetch


async def test_the_seller_their_shops_and_the_current_one():
    seller_account, fetch = account(seller_reply())
    seller = await seller_account.load()

    assert seller.name == "Ada"
    assert seller.shops == [Shop(**MAPLE), Shop(**THAMES)]
    assert seller.current_shop == Shop(**MAPLE)
    # A path the backend gives is on the backend's origin, wherever the page is.
    assert seller.connect_url == "https://backend.example/isv/auth/tiktok/start"
    url, options = fetch.requests[0]
    assert url == BACKEND + "/api/v1/seller"
    assert options["credentials"] == "include" and options["method"] == "GET"


async def test_switching_posts_the_shop_and_returns_the_seller_as_it_is_then():
    seller_account, fetch = account(seller_reply(current=THAMES["id"]))
    seller = await seller_account.switch(THAMES["id"])

    assert seller.current_shop == Shop(**THAMES)
    url, options = fetch.requests[0]
    assert url == BACKEND + "/api/v1/seller/current_shop" and options["method"] == "POST"
    assert json.loads(options["body"]) == {"shop_id": THAMES["id"]}
    assert options["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize("code, reconnect, words", [
    (NOT_CONNECTED, False, "Connect your TikTok Shop to manage its returns here."),
    (RECONNECT_NEEDED, True, "Connect your TikTok Shop again to manage its returns here."),
])
async def test_a_seller_without_a_connection_is_told_to_connect(code, reconnect, words):
    seller_account, _ = account((401, {"code": code, "message": "not connected",
                                       "data": {"connect_url": "https://app.example/connect"}}))
    with pytest.raises(SellerNotConnected) as error:
        await seller_account.load()

    assert str(error.value) == words and error.value.reconnect is reconnect
    assert error.value.connect_url == "https://app.example/connect"


@pytest.mark.parametrize("reply, words", [
    ((500, {"code": 50000, "message": "db down", "data": None}), "answered HTTP 500: db down"),
    ((401, {"code": 40100, "message": "who are you", "data": None}), "answered HTTP 401"),
    ((200, {"code": 0, "message": "ok", "data": {"shops": []}}), "lists no shop"),
    ((200, {"code": 0, "message": "ok", "data": {"shops": [{"id": "1"}]}}),
     "has a shop without id, name and region"),
    ((200, {"code": 0, "message": "ok", "data": {"shops": [MAPLE], "current_shop_id": "9"}}),
     "names a current shop that is not one of its shops"),
])
async def test_other_failures_are_backend_errors_naming_the_cause(reply, words):
    seller_account, _ = account(reply)
    with pytest.raises(BackendError, match=words) as error:
        await seller_account.load()
    assert not isinstance(error.value, SellerNotConnected)


def test_a_config_naming_the_backend_leaves_the_shop_to_run_time():
    config = WidgetConfig.from_dict({"backend_url": BACKEND, "app_key": "k", "isv_name": "ISV"})

    assert not config.shop_chosen
    assert config.token_url == BACKEND + "/api/v1/widget/access_token"
    chosen = config.for_shop(THAMES["id"], "GB")
    assert chosen.sdk_config()["shopId"] == THAMES["id"] and chosen.backend_url == BACKEND
    assert not config.shop_chosen  # for_shop makes a new config


def test_a_config_without_backend_or_shop_says_what_is_missing():
    with pytest.raises(Exception) as error:
        WidgetConfig.from_dict({"app_key": "k", "isv_name": "ISV"})
    assert "shop_id is missing (or name the backend with backend_url)" in str(error.value)


def test_the_sdk_config_needs_a_shop():
    config = WidgetConfig(backend_url="/", app_key="k", isv_name="ISV")
    with pytest.raises(Exception, match="no shop is chosen yet"):
        config.sdk_config()


async def test_any_endpoint_may_say_the_seller_must_connect_again():
    lapsed = (401, {"code": RECONNECT_NEEDED, "message": "connect again",
                    "data": {"connect_url": "/isv/auth/tiktok/start"}})
    token = BackendToken(BACKEND + "/api/v1/widget/access_token", "7495610000000000001",
                         fetch=FakeFetch(lapsed), page=FakePage())
    with pytest.raises(TokenError) as refused:
        await token()
    assert refused.value.connect_url == "https://backend.example/isv/auth/tiktok/start"
    assert refused.value.reconnect is True


async def test_load_and_switch_may_be_awaited_where_micropython_runs_no_asyncio():
    # An async event handler, or a script's top level, on MicroPython: two at once, one failing.
    seller_account, _ = account(seller_reply(), seller_reply(current=THAMES["id"]),
                                (500, {"code": 50000, "message": "db down", "data": None}))
    loaded, switched = await asyncio.gather(as_js_drives_it(seller_account.load()),
                                            as_js_drives_it(seller_account.switch(THAMES["id"])))
    assert loaded.current_shop == Shop(**MAPLE) and switched.current_shop == Shop(**THAMES)
    with pytest.raises(BackendError, match="answered HTTP 500: db down"):
        await as_js_drives_it(seller_account.load())


def with_reconnect_by(value):
    status, reply = seller_reply()
    reply["data"]["reconnect_by"] = value
    return status, reply


@pytest.mark.parametrize("value, seen", [
    ("2026-01-24T00:00:00Z", "2026-01-24T00:00:00Z"),
    ("2026-01-24T00:00:00.250Z", "2026-01-24T00:00:00.250Z"),
    (None, None),
    # Advice only: a value that is not the backend's date-time leaves the page working.
    ("next week", None), (1769212800, None), ("2026-01-24", None), ("2026-01-24T00:00:00+01:00", None),
])
async def test_a_connection_ending_soon_says_when(value, seen):
    seller_account, _ = account(with_reconnect_by(value))
    seller = await seller_account.load()
    assert seller.reconnect_by == seen
    assert seller.current_shop == Shop(**MAPLE)


async def test_a_backend_that_does_not_say_leaves_reconnect_by_none():
    seller_account, _ = account(seller_reply())
    assert (await seller_account.load()).reconnect_by is None
