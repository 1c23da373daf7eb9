"""The control API and page: off unless the settings turn them on; the clock, new return
requests, faults and revocation as a test or a developer drives them."""

import dataclasses
import re

import pytest
from starlette.testclient import TestClient

from tiktokshop_protocol import RETURNS_SEARCH_PATH, SHOPS_PATH
from tiktokshop_sandbox import create_app

from .conftest import NOW, OWN_ORIGIN, SANDBOX, mounted
from .tiktok import US_CIPHER, US_SHOP, authorize, connect, open_api, refused, success, token_get

CONTROL = SANDBOX + "/control"
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
REQUEST_WINDOW = 4 * 86_400
INJECTED, RATE_LIMITED, ACCESS_TOKEN_INVALID = 99100010, 99100007, 99100004


@pytest.mark.parametrize("method, path", [
    ("GET", ""), ("POST", "/clock"), ("POST", "/authorize"), ("POST", "/returns"),
    ("POST", "/faults"), ("POST", "/revoke"), ("GET", "/calls"),
])
def test_controls_are_not_there_unless_the_settings_turn_them_on(settings, clock, method, path):
    app = mounted(create_app(dataclasses.replace(settings, controls=False), clock))
    with TestClient(app, base_url=OWN_ORIGIN) as client:
        assert client.request(method, CONTROL + path, json={"advance": 1}).status_code == 404


def test_advancing_the_clock_moves_the_sandbox(client, clock):
    assert client.post(CONTROL + "/clock", json={"advance": 3600}).json() == {"now": NOW + 3600}
    assert clock.now() == NOW + 3600


@pytest.mark.parametrize("body", [{}, {"advance": -1}, {"advance": "1"}, {"advance": True},
                                  {"advance": 1e300}])
def test_the_clock_refuses_what_is_not_a_forward_move(client, clock, body):
    response = client.post(CONTROL + "/clock", json=body)
    assert response.status_code == 400 and "advance" in response.json()["error"]
    assert clock.now() == NOW


def test_a_new_return_request_is_pending_with_the_whole_window_from_now(client, clock):
    token = connect(client, [US_SHOP])["access_token"]
    clock.advance(5000)

    added = client.post(CONTROL + "/returns", json={"shop_id": US_SHOP}).json()["return_order"]

    assert added["return_status"] == PENDING and added["create_time"] == NOW + 5000
    [action] = added["seller_next_action_response"]
    assert action["deadline"] == NOW + 5000 + REQUEST_WINDOW
    found = success(open_api(client, "POST", RETURNS_SEARCH_PATH, token=token,
                             timestamp=NOW + 5000, query={"shop_cipher": US_CIPHER},
                             body={"return_ids": [added["return_id"]]}))
    assert found["return_orders"] == [added]
    assert len(success(open_api(client, "POST", RETURNS_SEARCH_PATH, token=token,
                                timestamp=NOW + 5000, query={"shop_cipher": US_CIPHER},
                                body={"return_status": [PENDING]}))["return_orders"]) == 10


def test_a_return_request_for_an_unknown_shop_is_refused(client):
    response = client.post(CONTROL + "/returns", json={"shop_id": "7495619999999999999"})
    assert response.status_code == 404 and "not a sandbox shop" in response.json()["error"]
    assert client.post(CONTROL + "/returns", json={"shop": 1}).status_code == 400


def test_the_control_page_has_an_add_button_per_shop_that_adds_a_request(client, app):
    page = client.get(CONTROL).text
    buttons = re.findall(r'<button type="submit" aria-label="Add a return request to ([^"]+)">'
                         r"Add a return request</button>", page)
    assert buttons == ["Maple &amp; Co", "Thames Home Goods", "Lion City Gadgets",
                       "Selangor Style"]
    assert app.state.store.pending_count(US_SHOP) == 13

    response = client.post(CONTROL + "/returns", data={"shop_id": US_SHOP},
                           follow_redirects=False)

    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert re.search(r'role="status" class="status">Added return request \d+ to Maple &amp; Co',
                     after)
    assert app.state.store.pending_count(US_SHOP) == 14
    assert "<td>14</td>" in after


def test_the_open_api_calls_received_are_counted_by_path_template(client):
    token = connect(client, [US_SHOP])["access_token"]
    search = {"token": token, "query": {"shop_cipher": US_CIPHER}}
    assert client.get(CONTROL + "/calls").json() == {"open_api": {}}

    success(open_api(client, "POST", RETURNS_SEARCH_PATH, **search))
    success(open_api(client, "POST", RETURNS_SEARCH_PATH, **search))
    refused(open_api(client, "GET", SHOPS_PATH, token="not-a-token"), 401, ACCESS_TOKEN_INVALID)

    calls = client.get(CONTROL + "/calls")
    assert calls.headers["cache-control"] == "no-store"
    assert calls.json() == {"open_api": {"POST " + RETURNS_SEARCH_PATH: 2,
                                         "GET " + SHOPS_PATH: 1}}

def test_faults_answer_the_next_calls_then_stop(client):
    token = connect(client, [US_SHOP])["access_token"]
    set_up = client.post(CONTROL + "/faults", json={"target": "open_api", "status": 503,
                                                      "count": 2})
    assert set_up.status_code == 200

    for _ in range(2):
        refused(open_api(client, "GET", SHOPS_PATH, token=token), 503, INJECTED)
    success(open_api(client, "GET", SHOPS_PATH, token=token))


def test_a_fault_can_carry_its_own_code_and_only_hits_its_host(client):
    client.post(CONTROL + "/faults", json={"target": "auth", "status": 500, "code": 12345})
    code = authorize(client, [US_SHOP])["code"]
    refused(token_get(client, code), 500, 12345)
    tokens = success(token_get(client, code))  # the fault is spent, the code is not
    success(open_api(client, "GET", SHOPS_PATH, token=tokens["access_token"]))


def test_rate_limiting_is_a_tiktok_shaped_429_with_retry_after(client):
    token = connect(client, [US_SHOP])["access_token"]
    client.post(CONTROL + "/faults", json={"target": "open_api", "rate_limit": True, "count": 1})

    response = open_api(client, "GET", SHOPS_PATH, token=token)

    refused(response, 429, RATE_LIMITED)
    assert int(response.headers["retry-after"]) >= 1
    success(open_api(client, "GET", SHOPS_PATH, token=token))


def test_a_delay_alone_lets_the_call_through(client):
    token = connect(client, [US_SHOP])["access_token"]
    reply = client.post(CONTROL + "/faults", json={"target": "open_api", "delay_s": 0.01}).json()
    assert reply["delay_s"] == 0.01 and reply["status"] is None
    success(open_api(client, "GET", SHOPS_PATH, token=token))


@pytest.mark.parametrize("body", [
    {"target": "widgets", "status": 503},
    {"target": "open_api", "status": 200},
    {"target": "open_api", "count": 0},
    {"target": "open_api", "delay_s": -1},
    {"target": "open_api", "code": "E1"},
])
def test_faults_that_make_no_sense_are_refused(client, body):
    response = client.post(CONTROL + "/faults", json=body)
    assert response.status_code == 400 and response.json()["error"]


def test_control_bodies_must_be_json_objects(client):
    for path in ("/clock", "/authorize", "/faults", "/revoke"):
        response = client.post(CONTROL + path, content=b"[1, 2")
        assert response.status_code == 400 and response.json()["error"]


def test_unknown_paths_and_methods_answer_in_tiktoks_shape(client):
    for method, path, status in (("GET", "/open-api/no/such/api", 404),
                                 ("DELETE", "/open-api" + SHOPS_PATH, 405),
                                 ("GET", "/nothing", 404)):
        response = client.request(method, SANDBOX + path)
        refused(response, status, 99000405)
