"""The Event API (open-api.md, "Subscribing a shop"): signed, shop-scoped webhook
subscriptions, as an ISV backend sets them up."""

import pytest

from tiktokshop_protocol import WEBHOOKS_PATH

from .conftest import NOW, SANDBOX
from .tiktok import GB_CIPHER, US_CIPHER, connect, open_api, refused, success

ADDRESS = "https://isv.example/webhooks/tiktok"
INVALID_PARAMETER, INVALID_SIGN, SHOP_NOT_AUTHORIZED = 99000400, 99100001, 99100006


@pytest.fixture
def token(client):
    return connect(client, ["7495610000000000001", "7495610000000000002"])["access_token"]


def webhooks(client, token, cipher=US_CIPHER, **kwargs):
    return open_api(client, "GET", WEBHOOKS_PATH, token=token, query={"shop_cipher": cipher},
                    **kwargs)


def put(client, token, body, cipher=US_CIPHER, **kwargs):
    return open_api(client, "PUT", WEBHOOKS_PATH, token=token, query={"shop_cipher": cipher},
                    body=body, **kwargs)


def delete(client, token, body, cipher=US_CIPHER):
    return open_api(client, "DELETE", WEBHOOKS_PATH, token=token,
                    query={"shop_cipher": cipher}, body=body)


def test_open_apis_known_put_request_subscribes_the_shop(client, token):
    """The exact request of open-api.md's known answer: its sign is accepted."""
    response = put(client, token, {"address": ADDRESS, "event_type": "RETURN_STATUS_CHANGE"})
    assert response.request.url.params["sign"] == (
        "bc5c6db65527c41ba517fb09c30eddf20cf76177cdec709154a3aa1b0176a9fb")
    assert success(response) == {}

    assert success(webhooks(client, token)) == {"webhooks": [{
        "event_type": "RETURN_STATUS_CHANGE", "address": ADDRESS,
        "create_time": NOW, "update_time": NOW}], "total_count": 1}


def test_a_second_put_replaces_the_address_and_delete_removes_it(client, token, clock):
    success(put(client, token, {"address": ADDRESS, "event_type": "RETURN_STATUS_CHANGE"}))
    success(put(client, token, {"address": ADDRESS, "event_type": "SELLER_DEAUTHORIZATION"}))
    clock.advance(60)
    later = NOW + 60
    success(put(client, token, {"address": "https://isv.example/v2",
                                "event_type": "RETURN_STATUS_CHANGE"}, timestamp=later))

    listed = success(webhooks(client, token, timestamp=later))
    assert listed["total_count"] == 2
    assert {hook["event_type"]: (hook["address"], hook["create_time"], hook["update_time"])
            for hook in listed["webhooks"]} == {
        "RETURN_STATUS_CHANGE": ("https://isv.example/v2", NOW, later),
        "SELLER_DEAUTHORIZATION": (ADDRESS, NOW, NOW)}

    # DELETE carries a signed JSON body.
    assert success(open_api(client, "DELETE", WEBHOOKS_PATH, token=token, timestamp=later,
                            query={"shop_cipher": US_CIPHER},
                            body={"event_type": "RETURN_STATUS_CHANGE"})) == {}
    listed = success(webhooks(client, token, timestamp=later))
    assert [hook["event_type"] for hook in listed["webhooks"]] == ["SELLER_DEAUTHORIZATION"]


def test_subscriptions_are_per_shop(client, token):
    success(put(client, token, {"address": ADDRESS, "event_type": "RETURN_STATUS_CHANGE"},
                cipher=GB_CIPHER))
    assert success(webhooks(client, token)) == {"webhooks": [], "total_count": 0}
    assert success(webhooks(client, token, cipher=GB_CIPHER))["total_count"] == 1


def test_plain_http_is_taken_for_this_machine_only(client, token):
    for address in ("http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://[::1]:9/x"):
        success(put(client, token, {"address": address, "event_type": "RETURN_STATUS_CHANGE"}))
    message = refused(put(client, token, {"address": "http://isv.example/hooks",
                                          "event_type": "RETURN_STATUS_CHANGE"}),
                      400, INVALID_PARAMETER)
    assert "https://" in message


@pytest.mark.parametrize("body, says", [
    ({"address": ADDRESS, "event_type": "RETURNS"}, "event_type must be one of"),
    ({"address": ADDRESS}, "event_type is required"),
    ({"event_type": "RETURN_STATUS_CHANGE"}, "address is required"),
    ({"address": "ftp://isv.example/x", "event_type": "RETURN_STATUS_CHANGE"}, "https://"),
    ({"address": "https://isv.example:99999/x", "event_type": "RETURN_STATUS_CHANGE"}, "not a URL"),
    ({"address": 5, "event_type": "RETURN_STATUS_CHANGE"}, "address must be a string"),
])
def test_a_bad_subscription_is_refused_saying_why(client, token, body, says):
    assert says in refused(put(client, token, body), 400, INVALID_PARAMETER)
    assert success(webhooks(client, token))["total_count"] == 0


def test_the_event_api_is_signed_and_shop_scoped_like_every_call(client, token):
    refused(put(client, token, {"address": ADDRESS, "event_type": "RETURN_STATUS_CHANGE"},
                secret="not-the-secret"), 401, INVALID_SIGN)
    refused(webhooks(client, token, cipher="SANDBOX_SG_CIPHER_0003"), 403, SHOP_NOT_AUTHORIZED)
    refused(open_api(client, "GET", WEBHOOKS_PATH, token=token), 403, SHOP_NOT_AUTHORIZED)
    refused(delete(client, token, {"event_type": "NOPE"}), 400, INVALID_PARAMETER)


def test_deleting_a_subscription_that_is_not_there_is_no_error(client, token):
    assert success(delete(client, token, {"event_type": "SELLER_DEAUTHORIZATION"})) == {}


def test_other_methods_on_the_event_api_are_no_such_api(client, token):
    response = client.post(SANDBOX + "/open-api" + WEBHOOKS_PATH)
    assert response.status_code == 405 and response.json()["code"] == 99000405
