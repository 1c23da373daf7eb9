"""The widget API: TikTok's auth checks and codes, listing returns, recording decisions."""

import dataclasses
import json
import re
import uuid
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from tiktokshop_sandbox import SANDBOX_APP_KEY, TokenSigner, create_app, load_or_create_secret

from .conftest import NOW, OWN_ORIGIN, mounted

API = "/sandbox/api/return_refund/202309"
DEMO_SHOP = "7495610000000000001"
GB_SHOP = "7495610000000000002"
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
SHIPPED = "BUYER_SHIPPED_ITEM"
MONEY = re.compile(r"^\d+\.\d\d$")

TOKEN_EXPIRED, TOKEN_INVALID = 36017005, 36017006
NOT_PENDING, NOT_FOUND, KEY_REUSED = 99001409, 99001404, 99001422


def call(
    client,
    app,
    path,
    body=None,
    *,
    shop=DEMO_SHOP,
    region="US",
    app_key=SANDBOX_APP_KEY,
    token=None,
    origin=OWN_ORIGIN,
):
    """POST to the API the way the widget does, with a valid token unless told otherwise."""
    headers = {"content-type": "application/json"}
    if origin is not None:
        headers["origin"] = origin
    token = app.state.signer.issue(shop).token if token is None else token
    if token:
        headers["x-tts-access-token"] = token
    payload = {"shop_id": shop, "app_key": app_key, "oec_region": region, **(body or {})}
    return client.post(API + path, content=json.dumps(payload), headers=headers)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0 and body["message"] == "success"
    return body["data"]


def error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == code and body["data"] is None and body["message"]
    return body["message"]


def search(client, app, **body):
    return ok(call(client, app, "/returns/search", body))


def first_waiting(client, app, return_type, status=PENDING, shop=DEMO_SHOP, region="US"):
    orders = ok(
        call(client, app, "/returns/search", {"return_status": [status]}, shop=shop, region=region)
    )["return_orders"]
    return next(o for o in orders if o["return_type"] == return_type)


def approve(client, app, order, decision, key=None, **kwargs):
    return call(
        client,
        app,
        f"/returns/{order['return_id']}/approve",
        {"decision": decision, "idempotency_key": key or str(uuid.uuid4())},
        **kwargs,
    )


def reject(client, app, order, decision, reason, comment=None, key=None):
    body = {
        "decision": decision,
        "reject_reason": reason,
        "idempotency_key": key or str(uuid.uuid4()),
    }
    if comment is not None:
        body["comment"] = comment
    return call(client, app, f"/returns/{order['return_id']}/reject", body)


def decision_for(order):
    return {
        "REFUND": "APPROVE_REFUND",
        "RETURN_AND_REFUND": "APPROVE_RETURN",
        "REPLACEMENT": "APPROVE_REPLACEMENT",
    }[order["return_type"]]


# -- who may call ------------------------------------------------------------------


def other_app_token(settings, app_key="6otherapp99"):
    """A token for the demo shop signed with the sandbox's secret but another app key."""
    secret = load_or_create_secret(settings.platform_secret_path)
    return TokenSigner(secret, app_key, 300).issue(DEMO_SHOP).token


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1:8001", "https://127.0.0.1:8000", "null", "", None],
)
def test_pages_on_other_origins_are_refused_with_36017010(client, app, origin):
    response = call(client, app, "/returns/search", origin=origin)

    message = error(response, 403, 36017010)
    assert message.startswith("Widget domain not match")


def test_the_refusal_is_readable_by_the_page_that_was_refused(client, app):
    response = call(client, app, "/returns/search", origin="http://evil.example")

    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_extra_page_origins_come_from_the_settings(settings, clock):
    settings = dataclasses.replace(settings, allowed_origins=("http://localhost:9000",))
    app = mounted(create_app(settings, clock))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert (
            call(client, app, "/returns/search", origin="http://localhost:9000").status_code == 200
        )
        assert call(client, app, "/returns/search", origin=OWN_ORIGIN).status_code == 200
        error(call(client, app, "/returns/search", origin="http://localhost:9001"), 403, 36017010)


def test_the_sandbox_always_allows_the_origin_it_is_served_from(app):
    with TestClient(app, base_url="http://returns-demo.test:8443") as client:
        response = call(client, app, "/returns/search", origin="http://returns-demo.test:8443")
    assert response.status_code == 200


def test_preflight_for_the_token_header_is_answered_for_any_page(client):
    response = client.options(
        API + "/returns/search",
        headers={
            "origin": "http://isv-app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-tts-access-token",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-tts-access-token" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    "token, code",
    [
        ("", TOKEN_INVALID),
        ("not-a-jwt", TOKEN_INVALID),
        ("eyJhbGciOiJub25lIn0.eyJzaG9wX2lkIjoiNzQ5NTYxMDAwMDAwMDAwMDAwMSJ9.", TOKEN_INVALID),
        ("x" * 10_000, TOKEN_INVALID),
        (TokenSigner(b"s" * 64, SANDBOX_APP_KEY, 300).issue(DEMO_SHOP).token, TOKEN_INVALID),
    ],
)
def test_missing_malformed_and_forged_tokens_get_36017006(client, app, token, code):
    error(call(client, app, "/returns/search", token=token), 401, code)


def test_an_expired_token_gets_36017005(client, app):
    expired = app.state.signer.issue(DEMO_SHOP, ttl=-5).token

    message = error(call(client, app, "/returns/search", token=expired), 401, TOKEN_EXPIRED)
    assert message == "Widget Token Is Expired"


def test_an_unregistered_app_key_gets_36004003(client, app):
    error(call(client, app, "/returns/search", app_key="6unknownapp"), 403, 36004003)


def test_a_token_of_another_app_gets_36017008(client, app, settings):
    response = call(client, app, "/returns/search", token=other_app_token(settings))

    error(response, 403, 36017008)


def test_a_token_for_another_shop_gets_36017009(client, app):
    gb_token = app.state.signer.issue(GB_SHOP).token

    error(call(client, app, "/returns/search", token=gb_token), 403, 36017009)


def test_a_region_other_than_the_shops_gets_I01008(client, app):
    message = error(call(client, app, "/returns/search", region="GB"), 403, "I01008")
    assert message.startswith("Traffic is invalid")


def test_a_valid_token_for_a_shop_the_sandbox_does_not_know_is_refused(client, app):
    error(call(client, app, "/returns/search", shop="1234567"), 404, 99000404)


def test_checks_run_in_the_platforms_order(client, app, settings):
    expired = app.state.signer.issue(DEMO_SHOP, ttl=-5).token
    everything_wrong = dict(
        origin="http://evil.example", token=expired, app_key="nope", region="GB"
    )

    error(call(client, app, "/returns/search", **everything_wrong), 403, 36017010)
    del everything_wrong["origin"]
    error(call(client, app, "/returns/search", **everything_wrong), 401, TOKEN_EXPIRED)
    everything_wrong["token"] = other_app_token(settings)
    error(call(client, app, "/returns/search", **everything_wrong), 403, 36004003)
    everything_wrong["app_key"] = SANDBOX_APP_KEY
    error(call(client, app, "/returns/search", **everything_wrong), 403, 36017008)
    everything_wrong["token"] = app.state.signer.issue(GB_SHOP).token
    error(call(client, app, "/returns/search", **everything_wrong), 403, 36017009)
    del everything_wrong["token"]
    error(call(client, app, "/returns/search", **everything_wrong), 403, "I01008")


# -- listing -----------------------------------------------------------------------


def test_search_lists_the_shops_returns_newest_first_in_pages(client, app):
    first = search(client, app)
    assert first["total_count"] == 30
    assert len(first["return_orders"]) == 20 and first["next_page_token"]

    second = search(client, app, page_token=first["next_page_token"])
    assert len(second["return_orders"]) == 10 and second["next_page_token"] == ""

    orders = first["return_orders"] + second["return_orders"]
    assert len({o["return_id"] for o in orders}) == 30
    times = [o["create_time"] for o in orders]
    assert times == sorted(times, reverse=True)


def test_page_size_sets_the_page_length(client, app):
    seen, token = [], ""
    while True:
        page = search(client, app, page_size=7, **({"page_token": token} if token else {}))
        seen.extend(o["return_id"] for o in page["return_orders"])
        token = page["next_page_token"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 30


def test_search_filters_by_status_and_id(client, app):
    waiting = search(client, app, return_status=[PENDING, SHIPPED])
    statuses = {o["return_status"] for o in waiting["return_orders"]}
    assert statuses == {PENDING, SHIPPED}
    assert waiting["total_count"] == len(waiting["return_orders"]) >= 8

    pending = search(client, app, return_status=[PENDING])["return_orders"]
    assert len(pending) >= 8
    for order in pending:
        [action] = order["seller_next_action_response"]
        assert action["action"].startswith("SELLER_RESPOND_") and action["deadline"] > NOW - 86_400

    wanted = [pending[0]["return_id"], pending[3]["return_id"]]
    by_id = search(client, app, return_ids=wanted)["return_orders"]
    assert sorted(o["return_id"] for o in by_id) == sorted(wanted)


def test_a_return_order_has_tiktoks_fields_and_consistent_money(client, app):
    for order in search(client, app, page_size=100)["return_orders"]:
        assert {
            "return_id",
            "order_id",
            "return_type",
            "return_status",
            "return_reason",
            "return_reason_text",
            "create_time",
            "update_time",
            "seller_next_action_response",
            "return_line_items",
            "refund_amount",
            "seller_decision",
        } <= set(order)
        assert order["return_type"] in ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
        assert (
            isinstance(order["create_time"], int) and order["update_time"] >= order["create_time"]
        )
        refund = order["refund_amount"]
        assert refund["currency"] == "USD"
        amounts = {k: Decimal(v) for k, v in refund.items() if k != "currency"}
        assert all(MONEY.match(v) for k, v in refund.items() if k != "currency")
        assert amounts["refund_total"] == (
            amounts["refund_subtotal"] + amounts["refund_shipping_fee"] + amounts["refund_tax"]
        )
        items = order["return_line_items"]
        assert items and all(
            {"sku_id", "product_name", "sku_name", "seller_sku"} <= set(i) for i in items
        )
        assert (
            sum(Decimal(i["refund_amount"]["refund_total"]) for i in items)
            == amounts["refund_subtotal"]
        )
        if order["return_status"] not in (PENDING, SHIPPED):
            assert order["seller_next_action_response"] == []


def test_a_shop_sees_only_its_own_returns(client, app):
    demo_ids = {o["return_id"] for o in search(client, app, page_size=100)["return_orders"]}
    gb = ok(call(client, app, "/returns/search", {"page_size": 100}, shop=GB_SHOP, region="GB"))

    assert {o["refund_amount"]["currency"] for o in gb["return_orders"]} == {"GBP"}
    assert not demo_ids & {o["return_id"] for o in gb["return_orders"]}
    gb_id = gb["return_orders"][0]["return_id"]
    assert search(client, app, return_ids=[gb_id])["return_orders"] == []


def test_reject_reasons_depend_on_what_is_being_decided(client, app):
    refund = first_waiting(client, app, "REFUND")
    shipped = first_waiting(client, app, "RETURN_AND_REFUND", status=SHIPPED)

    request_reasons = ok(call(client, app, "/reject_reasons", {"return_id": refund["return_id"]}))
    package_reasons = ok(call(client, app, "/reject_reasons", {"return_id": shipped["return_id"]}))

    names = [r["name"] for r in request_reasons["reasons"]]
    assert "seller_reject_apply_package_delivered" in names
    assert all(
        r["name"].startswith("seller_reject_apply_") and r["text"]
        for r in request_reasons["reasons"]
    )
    assert {r["name"] for r in package_reasons["reasons"]} >= {
        "seller_reject_receive_product_not_returned",
        "seller_reject_receive_wrong_item_returned",
    }


def test_reject_reasons_of_a_settled_or_unknown_return(client, app):
    settled = search(client, app, return_status=["RETURN_OR_REFUND_REQUEST_COMPLETE"])[
        "return_orders"
    ][0]

    error(
        call(client, app, "/reject_reasons", {"return_id": settled["return_id"]}), 409, NOT_PENDING
    )
    error(
        call(client, app, "/reject_reasons", {"return_id": "4000000000000000000"}), 404, NOT_FOUND
    )


# -- decisions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "return_type, status, decision, new_status",
    [
        ("REFUND", PENDING, "APPROVE_REFUND", "RETURN_OR_REFUND_REQUEST_SUCCESS"),
        ("RETURN_AND_REFUND", PENDING, "APPROVE_RETURN", "AWAITING_BUYER_SHIP"),
        ("REPLACEMENT", PENDING, "APPROVE_REPLACEMENT", "AWAITING_BUYER_SHIP"),
        (
            "RETURN_AND_REFUND",
            SHIPPED,
            "APPROVE_RECEIVED_PACKAGE",
            "RETURN_OR_REFUND_REQUEST_SUCCESS",
        ),
    ],
)
def test_approving_moves_the_return_on(client, app, return_type, status, decision, new_status):
    order = first_waiting(client, app, return_type, status)
    before = NOW

    data = ok(approve(client, app, order, decision))

    assert data["return_id"] == order["return_id"] and data["decision"] == decision
    assert data["return_status"] == new_status and data["decided_at"] >= before
    [listed] = search(client, app, return_ids=[order["return_id"]])["return_orders"]
    assert listed["return_status"] == new_status
    assert listed["seller_next_action_response"] == []
    assert listed["seller_decision"]["decision"] == decision
    assert listed["update_time"] == data["decided_at"]


def test_rejecting_records_the_reason_and_comment(client, app):
    order = first_waiting(client, app, "RETURN_AND_REFUND")

    data = ok(
        reject(
            client,
            app,
            order,
            "REJECT_RETURN",
            "seller_reject_apply_item_as_described",
            comment="Matches the listing photos exactly.",
        )
    )

    assert data["return_status"] == "RETURN_OR_REFUND_REQUEST_REJECT"
    [listed] = search(client, app, return_ids=[order["return_id"]])["return_orders"]
    assert listed["seller_decision"] == {
        "decision": "REJECT_RETURN",
        "decided_at": data["decided_at"],
        "reject_reason": "seller_reject_apply_item_as_described",
        "reject_reason_text": "The item matches the product description",
        "comment": "Matches the listing photos exactly.",
    }


def test_rejecting_a_returned_package(client, app):
    order = first_waiting(client, app, "REPLACEMENT", SHIPPED)

    data = ok(
        reject(client, app, order, "REJECT_RECEIVED_PACKAGE", "seller_reject_receive_missing_parts")
    )

    assert data["return_status"] == "RETURN_OR_REFUND_REQUEST_REJECT"


def test_a_second_decision_is_refused_as_no_longer_pending(client, app):
    order = first_waiting(client, app, "REFUND")
    ok(approve(client, app, order, "APPROVE_REFUND"))

    again = approve(client, app, order, "APPROVE_REFUND")
    message = error(again, 409, NOT_PENDING)
    assert message.startswith("this return is no longer pending (status RETURN_OR_REFUND_REQUEST_SUCCESS)")
    error(
        reject(client, app, order, "REJECT_REFUND", "seller_reject_apply_package_delivered"),
        409,
        NOT_PENDING,
    )


def test_the_same_idempotency_key_replays_the_original_reply(client, app):
    order = first_waiting(client, app, "REFUND")
    key = str(uuid.uuid4())

    first = ok(approve(client, app, order, "APPROVE_REFUND", key=key))
    replay = ok(approve(client, app, order, "APPROVE_REFUND", key=key))

    assert replay == first
    assert app.state.store.decision_count(order["return_id"]) == 1


def test_an_idempotency_key_used_for_another_request_gets_422(client, app):
    first, second = search(client, app, return_status=[PENDING])["return_orders"][:2]
    key = str(uuid.uuid4())
    ok(approve(client, app, first, decision_for(first), key=key))

    error(approve(client, app, second, decision_for(second), key=key), 422, KEY_REUSED)
    error(
        reject(
            client, app, first, "REJECT_REFUND", "seller_reject_apply_package_delivered", key=key
        ),
        422,
        KEY_REUSED,
    )


def test_unknown_and_other_shops_returns_are_not_found(client, app):
    gb_order = first_waiting(client, app, "REFUND", shop=GB_SHOP, region="GB")

    error(
        approve(client, app, {"return_id": "4000000000000000000"}, "APPROVE_REFUND"), 404, NOT_FOUND
    )
    error(approve(client, app, gb_order, "APPROVE_REFUND"), 404, NOT_FOUND)
    assert first_waiting(client, app, "REFUND", shop=GB_SHOP, region="GB") == gb_order


@pytest.mark.parametrize(
    "return_type, status, decision",
    [
        ("REFUND", PENDING, "APPROVE_RETURN"),
        ("REFUND", PENDING, "APPROVE_RECEIVED_PACKAGE"),
        ("RETURN_AND_REFUND", PENDING, "APPROVE_RECEIVED_PACKAGE"),
        ("REPLACEMENT", PENDING, "APPROVE_REFUND"),
    ],
)
def test_a_decision_that_does_not_fit_the_return_is_a_400(
    client, app, return_type, status, decision
):
    order = first_waiting(client, app, return_type, status)

    error(approve(client, app, order, decision), 400, 99000400)
    assert first_waiting(client, app, return_type, status) == order


def test_a_reject_reason_of_another_stage_is_a_400(client, app):
    order = first_waiting(client, app, "REFUND")

    message = error(
        reject(client, app, order, "REJECT_REFUND", "seller_reject_receive_missing_parts"),
        400,
        99000400,
    )
    assert "reject_reason" in message


# -- bad input -----------------------------------------------------------------------


def raw_call(client, app, path, content: bytes):
    headers = {
        "origin": OWN_ORIGIN,
        "x-tts-access-token": app.state.signer.issue(DEMO_SHOP).token,
        "content-type": "application/json",
    }
    return client.post(API + path, content=content, headers=headers)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"search"',
        b"\xff\xfe{}",
        b'{"shop_id": NaN}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a": "' + b"x" * 20_000 + b'"}',
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(client, app, content):
    response = raw_call(client, app, "/returns/search", content)

    assert response.status_code in (400, 413)
    assert response.json()["code"] == 99000400


COMMON = {"shop_id": DEMO_SHOP, "app_key": SANDBOX_APP_KEY, "oec_region": "US"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({**COMMON, "shop_id": 7495610000000000001}, "shop_id"),
        ({**COMMON, "shop_id": "7495610000000000001 OR 1=1"}, "shop_id"),
        ({k: v for k, v in COMMON.items() if k != "oec_region"}, "oec_region"),
        ({**COMMON, "oec_region": ["US"]}, "oec_region"),
        ({**COMMON, "app_key": "x" * 65}, "app_key"),
        ({**COMMON, "page_size": 0}, "page_size"),
        ({**COMMON, "page_size": 101}, "page_size"),
        ({**COMMON, "page_size": "20"}, "page_size"),
        ({**COMMON, "page_size": True}, "page_size"),
        ({**COMMON, "page_size": 2.5}, "page_size"),
        ({**COMMON, "page_size": 10**400}, "page_size"),
        ({**COMMON, "return_status": PENDING}, "return_status"),
        ({**COMMON, "return_status": ["PENDING"]}, "return_status"),
        ({**COMMON, "return_status": [None]}, "return_status"),
        ({**COMMON, "return_ids": ["abc"]}, "return_ids"),
        ({**COMMON, "return_ids": ["1"] * 51}, "return_ids"),
        ({**COMMON, "page_token": "!!!"}, "page_token"),
        ({**COMMON, "page_token": "bm90LWEtY3Vyc29y"}, "page_token"),
        ({**COMMON, "page_token": "x" * 201}, "page_token"),
        ({**COMMON, "page_token": "\ud800"}, "page_token"),
    ],
)
def test_bad_search_fields_get_a_400_naming_the_field(client, app, body, field):
    response = raw_call(client, app, "/returns/search", json.dumps(body).encode())

    assert field in error(response, 400, 99000400)


@pytest.mark.parametrize(
    "action, extra, field",
    [
        ("approve", {"decision": "APPROVE_EVERYTHING"}, "decision"),
        ("approve", {"decision": None}, "decision"),
        ("approve", {"decision": "REJECT_REFUND"}, "decision"),
        ("approve", {"idempotency_key": ""}, "idempotency_key"),
        ("approve", {"idempotency_key": None}, "idempotency_key"),
        ("approve", {"idempotency_key": "k" * 65}, "idempotency_key"),
        ("approve", {"idempotency_key": "has space"}, "idempotency_key"),
        ("reject", {"reject_reason": None}, "reject_reason"),
        ("reject", {"reject_reason": "<img src=x onerror=alert(1)>"}, "reject_reason"),
        ("reject", {"reject_reason": "not_a_reason"}, "reject_reason"),
        ("reject", {"comment": "c" * 501}, "comment"),
        ("reject", {"comment": "nul \u0000 byte"}, "comment"),
        ("reject", {"comment": "lone \ud83d surrogate"}, "comment"),
        ("reject", {"comment": {"text": "hi"}}, "comment"),
    ],
)
def test_bad_decision_fields_get_a_400_and_change_nothing(client, app, action, extra, field):
    order = first_waiting(client, app, "REFUND")
    body = {
        **COMMON,
        "idempotency_key": str(uuid.uuid4()),
        "decision": "APPROVE_REFUND" if action == "approve" else "REJECT_REFUND",
        "reject_reason": "seller_reject_apply_package_delivered",
        **extra,
    }

    response = raw_call(
        client, app, f"/returns/{order['return_id']}/{action}", json.dumps(body).encode()
    )

    assert field in error(response, 400, 99000400)
    assert first_waiting(client, app, "REFUND") == order


@pytest.mark.parametrize("return_id", ["abc", "1" * 33, "%20", "4078%27--"])
def test_a_malformed_return_id_in_the_path_is_a_400(client, app, return_id):
    body = {**COMMON, "decision": "APPROVE_REFUND", "idempotency_key": "k"}

    response = raw_call(client, app, f"/returns/{return_id}/approve", json.dumps(body).encode())

    error(response, 400, 99000400)


def test_a_long_comment_at_the_limit_with_newlines_is_kept(client, app):
    order = first_waiting(client, app, "REFUND")
    comment = ("Line one.\nLine two: <b>not markup</b> & “quotes”.\n" * 20)[:500]

    ok(
        reject(
            client, app, order, "REJECT_REFUND", "seller_reject_apply_package_delivered", comment
        )
    )

    [listed] = search(client, app, return_ids=[order["return_id"]])["return_orders"]
    assert listed["seller_decision"]["comment"] == comment
