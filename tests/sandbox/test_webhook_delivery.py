"""TikTok's webhooks, delivered by the sandbox to a real HTTP server: what happens to
returns and authorizations arrives as open-api.md's signed payloads, at least once,
retried with exponential backoff on the sandbox clock, from a queue kept in SQLite.

Every wait is for an event: a request reaching the receiver, or the sender settling
(it has attempted and recorded all that was due); the clock moves only when told."""

import dataclasses
import json
import re

import pytest
from starlette.testclient import TestClient

from testsupport.servers import dead_port
from tiktokshop_protocol import WEBHOOKS_PATH, return_approve_path, verify_webhook
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, SandboxSettings, create_app

from .conftest import NOW, OWN_ORIGIN, REDIRECT_URL, SANDBOX, mounted
from .tiktok import GB_SHOP, SG_SHOP, US_CIPHER, US_SHOP, connect, open_api, success
from .webhook_receiver import PATH, WAIT_S, receiving

DAY = 86_400
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
CANCELLED = "RETURN_OR_REFUND_REQUEST_CANCEL"
APPROVALS = {"REFUND": "APPROVE_REFUND", "RETURN_AND_REFUND": "APPROVE_RETURN",
             "REPLACEMENT": "APPROVE_REPLACEMENT"}


@pytest.fixture
def receiver():
    with receiving() as running:
        yield running


@pytest.fixture
def settings(tmp_path, receiver):
    return SandboxSettings(data_dir=tmp_path / "data", redirect_url=REDIRECT_URL, controls=True,
                           webhook_url=receiver.address, webhook_timeout=1.0)


def control(client, what, method="POST", **body):
    response = client.request(method, f"{SANDBOX}/control/{what}",
                              json=body if method == "POST" else None)
    assert response.status_code == 200, response.text
    return response.json()


def settle(app):
    assert app.state.webhooks.settled(WAIT_S), "the webhook sender is still busy"


def outbox(client) -> list[dict]:
    return control(client, "webhooks", method="GET")["deliveries"]


def event(received) -> dict:
    """The delivery's payload, after checking it is signed as open-api.md says."""
    assert received.method == "POST"
    assert received.headers["content-type"] == "application/json"
    assert verify_webhook(SANDBOX_APP_KEY, SANDBOX_APP_SECRET, received.body,
                          received.headers["authorization"])
    return json.loads(received.body)


def add_return(client, shop=US_SHOP) -> dict:
    return control(client, "returns", shop_id=shop)["return_order"]


@pytest.fixture
def connected(client):
    """The seller authorized the app for the US and GB shops."""
    connect(client, [US_SHOP, GB_SHOP])


def test_a_new_return_request_arrives_signed_as_open_api_documents(client, app, receiver,
                                                                   connected):
    order = add_return(client)

    received = receiver.next()

    assert received.path == PATH
    payload = event(received)
    assert received.body == json.dumps(payload, separators=(",", ":")).encode()  # one line
    assert list(payload) == ["type", "tts_notification_id", "shop_id", "timestamp", "data"]
    assert payload["type"] == 12 and payload["shop_id"] == US_SHOP
    assert re.fullmatch(r"\d{19}", payload["tts_notification_id"])
    assert payload["timestamp"] == NOW
    assert payload["data"] == {
        "order_id": order["order_id"], "return_id": order["return_id"], "return_role": "BUYER",
        "return_type": order["return_type"], "return_status": PENDING,
        "create_time": NOW, "update_time": NOW}
    settle(app)
    [delivery] = outbox(client)
    assert delivery["tts_notification_id"] == payload["tts_notification_id"]
    assert (delivery["state"], delivery["attempts"], delivery["event_type"]) == (
        "delivered", 1, "RETURN_STATUS_CHANGE")
    page = client.get(SANDBOX + "/control").text
    assert (f"<tr><td>{payload['tts_notification_id']}</td><td>RETURN_STATUS_CHANGE</td>"
            f"<td>{US_SHOP}</td><td>delivered</td><td>1</td><td></td></tr>") in page
    assert "Delivery is <strong>on</strong>" in page


def test_a_shop_that_did_not_authorize_the_app_sends_nothing(client, app, receiver, connected):
    add_return(client, SG_SHOP)
    settle(app)
    assert receiver.received_now() == [] and outbox(client) == []


def test_decisions_in_the_widget_and_the_return_api_and_a_cancellation_are_delivered(
        client, app, receiver, clock):
    token = connect(client, [US_SHOP])["access_token"]
    by_api, in_widget, withdrawn = (add_return(client) for _ in range(3))
    assert {event(receiver.next())["data"]["return_id"] for _ in range(3)} == {
        by_api["return_id"], in_widget["return_id"], withdrawn["return_id"]}
    clock.advance(60)

    decided = success(open_api(client, "POST", return_approve_path(by_api["return_id"]),
                               token=token, timestamp=NOW + 60, query={"shop_cipher": US_CIPHER},
                               body={"decision": APPROVALS[by_api["return_type"]]}))
    payload = event(receiver.next())
    assert payload["data"]["return_id"] == by_api["return_id"]
    assert payload["data"]["return_role"] == "SELLER"
    assert payload["data"]["return_status"] == decided["return_status"] != PENDING
    assert payload["data"]["update_time"] == payload["timestamp"] == NOW + 60

    accepted = client.post(SANDBOX + f"/api/return_refund/202309/returns/"
                           f"{in_widget['return_id']}/approve", headers={
                               "origin": OWN_ORIGIN,
                               "x-tts-access-token": app.state.signer.issue(US_SHOP).token},
                           json={"shop_id": US_SHOP, "app_key": SANDBOX_APP_KEY,
                                 "oec_region": "US", "idempotency_key": "click-1",
                                 "decision": APPROVALS[in_widget["return_type"]]})
    assert accepted.status_code == 200, accepted.text
    payload = event(receiver.next())
    assert (payload["data"]["return_id"], payload["data"]["return_role"]) == (
        in_widget["return_id"], "SELLER")

    control(client, "returns/cancel", shop_id=US_SHOP, return_id=withdrawn["return_id"])
    payload = event(receiver.next())
    assert (payload["data"]["return_id"], payload["data"]["return_role"],
            payload["data"]["return_status"]) == (withdrawn["return_id"], "BUYER", CANCELLED)

    # What changes nothing sends nothing: the same click again, a cancel too late.
    again = client.post(SANDBOX + f"/api/return_refund/202309/returns/"
                        f"{in_widget['return_id']}/approve", headers=accepted.request.headers,
                        content=accepted.request.content)
    assert again.status_code == 200
    late = client.post(SANDBOX + "/control/returns/cancel",
                       json={"shop_id": US_SHOP, "return_id": by_api["return_id"]})
    assert late.status_code == 409
    settle(app)
    assert receiver.received_now() == []


def test_an_event_api_subscription_takes_its_shops_events_of_its_type(client, app, receiver):
    token = connect(client, [US_SHOP, GB_SHOP])["access_token"]
    success(open_api(client, "PUT", WEBHOOKS_PATH, token=token, query={"shop_cipher": US_CIPHER},
                     body={"address": receiver.url + "/us-returns",
                           "event_type": "RETURN_STATUS_CHANGE"}))

    add_return(client, US_SHOP)
    assert receiver.next().path == "/us-returns"
    add_return(client, GB_SHOP)  # no subscription of its own: the app's address
    assert receiver.next().path == PATH


def test_a_deauthorization_tells_every_shop_of_the_grant_then_nothing_more(client, app, receiver,
                                                                           connected):
    assert control(client, "revoke", shop_ids=[US_SHOP]) == {"revoked": 1}

    payloads = sorted((event(receiver.next()) for _ in range(2)), key=lambda p: p["shop_id"])

    assert [(p["type"], p["shop_id"], list(p["data"])) for p in payloads] == [
        (6, US_SHOP, ["message"]), (6, GB_SHOP, ["message"])]
    add_return(client, US_SHOP)
    control(client, "revoke", shop_ids=[US_SHOP])
    settle(app)
    assert receiver.received_now() == []


def test_an_authorization_about_to_expire_is_announced_once(client, app, receiver, connected):
    expires = NOW + 30 * DAY  # the refresh token's life
    control(client, "clock", advance=23 * DAY - 1)
    settle(app)
    assert receiver.received_now() == []

    control(client, "clock", advance=1)  # 7 days before

    payloads = sorted((event(receiver.next()) for _ in range(2)), key=lambda p: p["shop_id"])
    assert [(p["type"], p["shop_id"], p["data"]["expiration_time"]) for p in payloads] == [
        (7, US_SHOP, expires), (7, GB_SHOP, expires)]
    assert payloads[0]["data"]["message"]
    control(client, "clock", advance=DAY)
    settle(app)
    assert receiver.received_now() == []


def test_failures_are_retried_with_exponential_backoff_on_the_sandbox_clock(
        client, app, receiver, connected):
    control(client, "webhooks/fail", count=2)  # two attempts fail before reaching the receiver
    receiver.answers = [503]                    # and the receiver refuses the third
    add_return(client)
    settle(app)
    [delivery] = outbox(client)
    assert (delivery["attempts"], delivery["state"], delivery["next_attempt_at"]) == (
        1, "pending", NOW + 15)
    assert "failed on purpose" in delivery["last_error"]

    control(client, "clock", advance=14)
    settle(app)
    assert outbox(client)[0]["attempts"] == 1  # not due yet
    control(client, "clock", advance=1)
    settle(app)
    assert outbox(client)[0]["next_attempt_at"] == NOW + 15 + 30

    control(client, "clock", advance=30)
    refused = receiver.next()
    settle(app)
    delivery = outbox(client)[0]
    assert (delivery["attempts"], delivery["last_error"], delivery["next_attempt_at"]) == (
        3, "HTTP 503", NOW + 45 + 60)

    control(client, "clock", advance=60)
    delivered = receiver.next()
    assert delivered.body == refused.body  # the same event, byte for byte
    event(delivered)
    settle(app)
    assert outbox(client)[0]["state"] == "delivered" and outbox(client)[0]["attempts"] == 4


def test_a_delivery_that_gets_no_answer_in_time_is_retried(client, app, receiver, connected):
    receiver.hold()  # the receiver takes the request and answers nothing
    add_return(client)
    first = receiver.next()
    settle(app)  # the 1 s timeout passed
    delivery = outbox(client)[0]
    assert delivery["state"] == "pending" and delivery["last_error"] == "no answer within 1 s"
    receiver.release()

    control(client, "clock", advance=15)

    assert receiver.next().body == first.body
    settle(app)
    assert outbox(client)[0]["state"] == "delivered"


def test_retries_end_after_72_hours(client, app, receiver, connected):
    receiver.answers = [500] * 100
    add_return(client)
    receiver.next()
    attempts, now = 1, NOW
    while True:
        settle(app)
        delivery = outbox(client)[0]
        if delivery["state"] != "pending":
            break
        now = control(client, "clock", advance=delivery["next_attempt_at"] - now)["now"]
        receiver.next()
        attempts += 1
    # 15 s, 30 s, ... doubling up to an hour apart: dozens of attempts, then given up.
    assert delivery["state"] == "expired" and delivery["attempts"] == attempts > 70
    assert delivery["next_attempt_at"] - 3600 <= NOW + 72 * 3600 < delivery["next_attempt_at"]


def test_the_duplicate_control_sends_the_same_event_again(client, app, receiver, connected):
    add_return(client)
    first = receiver.next()
    settle(app)

    control(client, "webhooks/duplicate")
    again = receiver.next()
    notification_id = event(first)["tts_notification_id"]
    control(client, "webhooks/duplicate", tts_notification_id=notification_id)
    third = receiver.next()

    assert first.body == again.body == third.body
    assert event(again)["tts_notification_id"] == notification_id
    assert event(third)["tts_notification_id"] == notification_id
    unknown = client.post(SANDBOX + "/control/webhooks/duplicate",
                          json={"tts_notification_id": "123"})
    assert unknown.status_code == 400 and "no webhook event 123" in unknown.json()["error"]


def test_paused_deliveries_wait_and_go_when_resumed(client, app, receiver, connected):
    assert control(client, "webhooks", paused=True)["paused"] is True
    order = add_return(client)
    control(client, "clock", advance=3600)
    settle(app)
    assert receiver.received_now() == []
    assert [(d["state"], d["attempts"]) for d in outbox(client)] == [("pending", 0)]

    control(client, "webhooks", paused=False)

    assert event(receiver.next())["data"]["return_id"] == order["return_id"]


def test_a_restart_loses_no_delivery(settings, clock, receiver):
    settings = dataclasses.replace(settings, webhook_timeout=30.0)
    first = mounted(create_app(settings, clock))
    with TestClient(first, base_url=OWN_ORIGIN) as client:
        connect(client, [US_SHOP])
        control(client, "webhooks", paused=True)
        waiting = add_return(client)
        receiver.hold()  # before the sender may send: else it could be answered (seen in CI)
        control(client, "webhooks", paused=False)
        in_flight = receiver.next()  # the sandbox stops while this one waits for its answer
        assert event(in_flight)["data"]["return_id"] == waiting["return_id"]
        control(client, "webhooks", paused=True)
        queued = add_return(client)
    receiver.release()

    again = mounted(create_app(settings, clock))
    with TestClient(again, base_url=OWN_ORIGIN) as client:
        resent = [receiver.next(), receiver.next()]
        settle(again)
        assert [event(r)["data"]["return_id"] for r in resent] == [
            waiting["return_id"], queued["return_id"]]
        assert resent[0].body == in_flight.body
        assert {d["state"] for d in outbox(client)} == {"delivered"}


def test_bad_controls_say_what_to_give(client):
    for what, body, says in [("webhooks", {"paused": "yes"}, "paused"),
                             ("webhooks/fail", {"count": -1}, "count"),
                             ("returns/cancel", {"shop_id": US_SHOP}, "return_id")]:
        response = client.post(f"{SANDBOX}/control/{what}", json=body)
        assert response.status_code == 400 and says in response.json()["error"]


def test_an_app_webhook_address_that_tiktok_would_refuse_stops_the_sandbox(tmp_path):
    with pytest.raises(ValueError, match="https://"):
        create_app(SandboxSettings(data_dir=tmp_path, webhook_url="http://isv.example/hooks"))


def test_an_address_nobody_listens_on_is_a_failed_attempt_retried(client, app):
    token = connect(client, [US_SHOP])["access_token"]
    success(open_api(client, "PUT", WEBHOOKS_PATH, token=token, query={"shop_cipher": US_CIPHER},
                     body={"address": f"http://127.0.0.1:{dead_port()}/hooks",
                           "event_type": "RETURN_STATUS_CHANGE"}))
    add_return(client)
    settle(app)
    [delivery] = outbox(client)
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_error"] == "could not be sent (ConnectError)"
