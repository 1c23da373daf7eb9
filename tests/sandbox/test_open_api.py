"""The sandbox's Open API as a backend meets it: every check of a signed call, the shops,
the Return API over the widget's own rows, and the widget-token call."""

import asyncio
import json

import httpx2 as httpx
import pytest

from tiktokshop_protocol import (
    REJECT_REASONS_PATH,
    RETURNS_SEARCH_PATH,
    SHOPS_PATH,
    return_approve_path,
    return_reject_path,
    sign,
)
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, WIDGET_TOKEN_PATH

from .conftest import NOW, OWN_ORIGIN, SANDBOX
from .tiktok import (
    GB_CIPHER,
    GB_SHOP,
    US_CIPHER,
    US_SHOP,
    connect,
    open_api,
    refused,
    success,
)

PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
INVALID_SIGN, STALE, UNKNOWN_APP = 99100001, 99100002, 99100003
TOKEN_INVALID, TOKEN_EXPIRED, NOT_AUTHORIZED = 99100004, 99100005, 99100006
INVALID_PARAMETER, NOT_PENDING = 99000400, 99001409
# open-api.md's known answers, written out here rather than computed.
KAT_SEARCH_SIGN = "f0f4e6e528bb3ccfe8dfe4c07db0372971299527bb3561de8525f86a5a289621"
KAT_SHOPS_SIGN = "b32fe8ed111cb62ef2ba8e272803f2072e2c96a8b07d3296289611d118829882"
KAT_SEARCH_BODY = b'{"return_status":["RETURN_OR_REFUND_REQUEST_PENDING"]}'
WIDGET_API = SANDBOX + "/api/return_refund/202309"


@pytest.fixture
def token(client):
    """An access token of the demo seller for the US shop only."""
    return connect(client, [US_SHOP])["access_token"]


def search(client, token, body=None, cipher=US_CIPHER, **query):
    return success(open_api(client, "POST", RETURNS_SEARCH_PATH, token=token, body=body or {},
                            query={"shop_cipher": cipher, **query}))


def pending(client, token):
    return search(client, token, {"return_status": [PENDING]}, page_size="50")["return_orders"]


def approval(order):
    return {"REFUND": "APPROVE_REFUND", "RETURN_AND_REFUND": "APPROVE_RETURN",
            "REPLACEMENT": "APPROVE_REPLACEMENT"}[order["return_type"]]


def approve(client, token, order, cipher=US_CIPHER):
    return open_api(client, "POST", return_approve_path(order["return_id"]), token=token,
                    query={"shop_cipher": cipher}, body={"decision": approval(order)})


# -- the checks of every call ----------------------------------------------------------


def test_both_known_answer_requests_are_accepted_byte_for_byte(client, token):
    """The exact requests of open-api.md's vectors, with the sign written in the doc."""
    headers = {"x-tts-access-token": token, "content-type": "application/json"}
    search_query = {"app_key": SANDBOX_APP_KEY, "timestamp": str(NOW),
                    "shop_cipher": US_CIPHER, "page_size": "20", "sign": KAT_SEARCH_SIGN}
    response = client.post(SANDBOX + "/open-api" + RETURNS_SEARCH_PATH, params=search_query,
                           content=KAT_SEARCH_BODY, headers=headers)
    orders = success(response)["return_orders"]
    assert orders and {order["return_status"] for order in orders} == {PENDING}

    shops_query = {"app_key": SANDBOX_APP_KEY, "timestamp": str(NOW), "sign": KAT_SHOPS_SIGN}
    response = client.get(SANDBOX + "/open-api" + SHOPS_PATH, params=shops_query,
                          headers={"x-tts-access-token": token})
    assert [shop["cipher"] for shop in success(response)["shops"]] == [US_CIPHER]


def test_the_shops_carry_the_fields_and_ciphers_a_backend_needs(client):
    tokens = connect(client, [US_SHOP, GB_SHOP])
    shops = success(open_api(client, "GET", SHOPS_PATH, token=tokens["access_token"]))["shops"]
    assert [(s["id"], s["name"], s["region"], s["cipher"]) for s in shops] == [
        (US_SHOP, "Maple & Co", "US", US_CIPHER), (GB_SHOP, "Thames Home Goods", "GB", GB_CIPHER)]
    assert all(shop["code"] and shop["seller_type"] for shop in shops)


@pytest.mark.parametrize("tamper", [
    {"secret": "another-secret"},
    {"signed_path": "/sandbox/open-api" + SHOPS_PATH},  # the base URL's prefix is not signed
    {"signed_path": SHOPS_PATH + "/"},
])
def test_a_wrong_signature_is_refused(client, token, tamper):
    message = refused(open_api(client, "GET", SHOPS_PATH, token=token, **tamper),
                      401, INVALID_SIGN)
    assert "sign" in message


def test_a_missing_sign_and_a_changed_body_are_refused(client, token):
    response = client.get(SANDBOX + "/open-api" + SHOPS_PATH,
                          params={"app_key": SANDBOX_APP_KEY, "timestamp": str(NOW)},
                          headers={"x-tts-access-token": token})
    refused(response, 401, INVALID_SIGN)
    # Signed over one body, sent with another.
    params = {"app_key": SANDBOX_APP_KEY, "timestamp": str(NOW), "shop_cipher": US_CIPHER,
              "page_size": "20", "sign": KAT_SEARCH_SIGN}
    response = client.post(SANDBOX + "/open-api" + RETURNS_SEARCH_PATH, params=params,
                           content=KAT_SEARCH_BODY.replace(b"PENDING", b"REJECT"),
                           headers={"x-tts-access-token": token})
    refused(response, 401, INVALID_SIGN)


@pytest.mark.parametrize("offset, accepted", [(-301, False), (-300, True), (300, True),
                                              (301, False)])
def test_the_timestamp_must_be_within_300_s_of_the_sandbox_clock(client, token, offset,
                                                                 accepted):
    response = open_api(client, "GET", SHOPS_PATH, token=token, timestamp=NOW + offset)
    if accepted:
        success(response)
    else:
        assert "300 s" in refused(response, 401, STALE)


def test_the_window_follows_the_clock_when_it_moves(client, token, clock):
    clock.advance(3600)
    refused(open_api(client, "GET", SHOPS_PATH, token=token), 401, STALE)
    success(open_api(client, "GET", SHOPS_PATH, token=token, timestamp=NOW + 3600))


def test_an_unknown_app_key_is_refused(client, token):
    refused(open_api(client, "GET", SHOPS_PATH, token=token, app_key="6otherapp99"),
            401, UNKNOWN_APP)


@pytest.mark.parametrize("bad_token", [None, "", "not-a-token", "x" * 2000])
def test_a_missing_or_unknown_access_token_is_refused(client, bad_token):
    refused(open_api(client, "GET", SHOPS_PATH, token=bad_token), 401, TOKEN_INVALID)


def test_an_expired_access_token_is_refused(client, clock, settings):
    token = connect(client, [US_SHOP])["access_token"]
    clock.advance(settings.access_token_ttl)
    refused(open_api(client, "GET", SHOPS_PATH, token=token,
                     timestamp=NOW + settings.access_token_ttl), 401, TOKEN_EXPIRED)


@pytest.mark.parametrize("cipher", [GB_CIPHER, "SANDBOX_XX_CIPHER_9999", ""])
def test_a_shop_the_seller_did_not_authorize_is_refused(client, token, cipher):
    response = open_api(client, "POST", RETURNS_SEARCH_PATH, token=token, body={},
                        query={"shop_cipher": cipher})
    refused(response, 403, NOT_AUTHORIZED)


# -- the Return API --------------------------------------------------------------------


def test_search_pages_through_every_return_once(client, token):
    first = search(client, token, page_size="7")
    seen, page = [], first
    while True:
        seen += [order["return_id"] for order in page["return_orders"]]
        if not page["next_page_token"]:
            break
        page = search(client, token, page_size="7", page_token=page["next_page_token"])
    assert len(seen) == len(set(seen)) == first["total_count"] == 30
    everything = search(client, token, page_size="100")["return_orders"]
    assert seen == [order["return_id"] for order in everything]  # newest first


def test_search_sorts_by_the_field_and_order_asked(client, token):
    orders = search(client, token, sort_field="update_time", sort_order="ASC",
                    page_size="100")["return_orders"]
    times = [order["update_time"] for order in orders]
    assert times == sorted(times) and len(set(times)) > 1
    created = [o["create_time"] for o in search(client, token, page_size="100")["return_orders"]]
    assert created == sorted(created, reverse=True)


def test_search_filters_by_status_type_ids_and_time(client, token):
    waiting = pending(client, token)
    assert len(waiting) == 9 and all(o["seller_next_action_response"] for o in waiting)
    refunds = search(client, token, {"return_types": ["REFUND"]}, page_size="100")
    assert refunds["total_count"] > 0
    assert {o["return_type"] for o in refunds["return_orders"]} == {"REFUND"}
    some = waiting[:2]
    by_order = search(client, token, {"order_ids": [o["order_id"] for o in some]})
    assert sorted(o["return_id"] for o in by_order["return_orders"]) == sorted(
        o["return_id"] for o in some)
    cut = sorted(o["create_time"] for o in waiting)[4]
    recent = search(client, token, {"create_time_ge": cut, "return_status": [PENDING]})
    assert recent["total_count"] == 5
    assert all(o["create_time"] >= cut for o in recent["return_orders"])


@pytest.mark.parametrize("query, body", [
    ({"page_size": "0"}, {}),
    ({"page_size": "abc"}, {}),
    ({"sort_order": "UP"}, {}),
    ({"page_token": "garbage"}, {}),
    ({}, {"return_status": ["NOT_A_STATUS"]}),
    ({}, {"create_time_ge": "yesterday"}),
])
def test_bad_search_parameters_are_a_400_naming_the_parameter(client, token, query, body):
    response = open_api(client, "POST", RETURNS_SEARCH_PATH, token=token, body=body,
                        query={"shop_cipher": US_CIPHER, **query})
    message = refused(response, 400, INVALID_PARAMETER)
    assert (list(query) or list(body))[0] in message


def test_a_body_that_is_not_json_is_a_400(client, token):
    response = open_api(client, "POST", RETURNS_SEARCH_PATH, token=token, raw_body=b"[1,",
                        query={"shop_cipher": US_CIPHER})
    refused(response, 400, INVALID_PARAMETER)


def test_approving_decides_the_same_row_the_widget_shows(client, app, token):
    order = pending(client, token)[0]

    decided = success(approve(client, token, order))

    assert decided["return_id"] == order["return_id"] and decided["return_status"] != PENDING
    assert order["return_id"] not in [o["return_id"] for o in pending(client, token)]
    widget_view = client.post(WIDGET_API + "/returns/search", headers={
        "origin": OWN_ORIGIN, "x-tts-access-token": app.state.signer.issue(US_SHOP).token,
    }, json={"shop_id": US_SHOP, "app_key": SANDBOX_APP_KEY, "oec_region": "US",
             "return_ids": [order["return_id"]]}).json()["data"]["return_orders"]
    assert widget_view[0]["return_status"] == decided["return_status"]


def test_approving_twice_is_refused_and_decides_once(client, app, token):
    order = pending(client, token)[0]
    success(approve(client, token, order))

    message = refused(approve(client, token, order), 409, NOT_PENDING)

    assert "already decided" in message
    assert app.state.store.decision_count(order["return_id"]) == 1


def test_a_return_accepted_in_the_widget_cannot_be_approved_again(client, app, token):
    order = pending(client, token)[0]
    accepted = client.post(
        WIDGET_API + f"/returns/{order['return_id']}/approve",
        headers={"origin": OWN_ORIGIN,
                 "x-tts-access-token": app.state.signer.issue(US_SHOP).token},
        json={"shop_id": US_SHOP, "app_key": SANDBOX_APP_KEY, "oec_region": "US",
              "decision": approval(order), "idempotency_key": "widget-click-1"})
    assert accepted.status_code == 200

    refused(approve(client, token, order), 409, NOT_PENDING)


def test_rejecting_with_a_listed_reason(client, token):
    order = pending(client, token)[0]
    reasons = success(open_api(client, "GET", REJECT_REASONS_PATH, token=token, query={
        "shop_cipher": US_CIPHER, "return_or_cancel_id": order["return_id"]}))["reasons"]
    assert reasons and all(reason["name"] and reason["text"] for reason in reasons)
    decision = approval(order).replace("APPROVE", "REJECT")

    rejected = success(open_api(client, "POST", return_reject_path(order["return_id"]),
                                token=token, query={"shop_cipher": US_CIPHER}, body={
                                    "decision": decision, "reject_reason": reasons[0]["name"],
                                    "comment": "Photos show no damage"}))

    assert rejected["return_status"] == "RETURN_OR_REFUND_REQUEST_REJECT"
    again = open_api(client, "POST", return_reject_path(order["return_id"]), token=token,
                     query={"shop_cipher": US_CIPHER},
                     body={"decision": decision, "reject_reason": reasons[0]["name"]})
    refused(again, 409, NOT_PENDING)


def test_a_reject_reason_that_is_not_listed_is_a_400(client, token):
    order = pending(client, token)[0]
    response = open_api(client, "POST", return_reject_path(order["return_id"]), token=token,
                        query={"shop_cipher": US_CIPHER}, body={
                            "decision": approval(order).replace("APPROVE", "REJECT"),
                            "reject_reason": "because"})
    refused(response, 400, INVALID_PARAMETER)


def test_another_shops_return_is_not_found_through_this_shop(client):
    tokens = connect(client, [US_SHOP, GB_SHOP])
    gb_order = search(client, tokens["access_token"], {"return_status": [PENDING]},
                      cipher=GB_CIPHER)["return_orders"][0]
    refused(approve(client, tokens["access_token"], gb_order, cipher=US_CIPHER), 404, 99001404)


# -- the widget-token call -------------------------------------------------------------


def test_the_widget_token_opens_the_widget_api_for_that_shop_only(client, token):
    data = success(open_api(client, "POST", WIDGET_TOKEN_PATH, token=token,
                            query={"shop_cipher": US_CIPHER}, body={"partner_type": 1}))

    assert data["token"].startswith("eyJ") and isinstance(data["expire_at"], int)
    assert data["expire_at"] == NOW + 300
    call = {"shop_id": US_SHOP, "app_key": SANDBOX_APP_KEY, "oec_region": "US"}
    headers = {"origin": OWN_ORIGIN, "x-tts-access-token": data["token"]}
    listed = client.post(WIDGET_API + "/returns/search", headers=headers, json=call)
    assert listed.status_code == 200 and listed.json()["data"]["total_count"] == 30
    other_shop = client.post(WIDGET_API + "/returns/search", headers=headers,
                             json={**call, "shop_id": GB_SHOP, "oec_region": "GB"})
    assert other_shop.status_code == 403 and other_shop.json()["code"] == 36017009


def test_the_widget_token_call_checks_partner_type_and_shop(client, token):
    response = open_api(client, "POST", WIDGET_TOKEN_PATH, token=token,
                        query={"shop_cipher": US_CIPHER}, body={"partner_type": 2})
    assert "partner_type" in refused(response, 400, INVALID_PARAMETER)
    response = open_api(client, "POST", WIDGET_TOKEN_PATH, token=token,
                        query={"shop_cipher": GB_CIPHER}, body={"partner_type": 1})
    refused(response, 403, NOT_AUTHORIZED)


def test_replies_are_never_cached(client, token):
    response = open_api(client, "GET", SHOPS_PATH, token=token)
    assert response.headers["cache-control"] == "no-store"
    assert json.loads(response.text)["message"] == "Success"


@pytest.mark.anyio
async def test_concurrent_approvals_of_one_return_decide_it_once(client, app, token):
    """Twenty approvals sent at once (a double-clicking seller, a retrying backend):
    one is recorded, every other one is told it was already decided."""
    order = pending(client, token)[0]
    path = return_approve_path(order["return_id"])
    body = json.dumps({"decision": approval(order)}, separators=(",", ":")).encode()
    params = {"app_key": SANDBOX_APP_KEY, "timestamp": str(NOW), "shop_cipher": US_CIPHER}
    params["sign"] = sign(SANDBOX_APP_SECRET, path, params, body)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=OWN_ORIGIN) as concurrent:
        replies = await asyncio.gather(*[
            concurrent.post(SANDBOX + "/open-api" + path, params=params, content=body,
                            headers={"x-tts-access-token": token,
                                     "content-type": "application/json"})
            for _ in range(20)])

    assert sorted(reply.status_code for reply in replies) == [200] + [409] * 19
    assert app.state.store.decision_count(order["return_id"]) == 1
