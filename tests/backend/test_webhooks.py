"""POST /webhooks/tiktok: TikTok's deliveries, signed as open-api.md says, verified,
acknowledged, handled once, and carried to the seller's pages as events."""

import json
import secrets

import pytest

from tiktokshop_protocol import (
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    webhook_signature,
)
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH, SELLER_PATH, TOKEN_PATH

from .conftest import GB_SHOP, NOW, US_SHOP, RequestLog, connect

WEBHOOK_PATH = "/webhooks/tiktok"
# open-api.md's known answer: this body, signed with the sandbox app's key and secret.
KNOWN_BODY = (b'{"type":12,"tts_notification_id":"7327112393057371910","shop_id":"7495610000000000001",'
              b'"timestamp":1767225600,"data":{"order_id":"576461413038785752","return_id":'
              b'"4035318504086851234","return_role":"BUYER","return_type":"REFUND","return_status":'
              b'"RETURN_OR_REFUND_REQUEST_PENDING","create_time":1767225540,"update_time":1767225600}}')
KNOWN_SIGNATURE = "c99bfb01f0082f19eddfeecb9c75a7a7151e5a79b56144975c8c7444adad220e"
SEARCH = "/returns/search"


def notification(kind: int, shop_id: str = US_SHOP, notification_id: str | None = None,
                 **data) -> dict:
    return {"type": kind, "tts_notification_id": notification_id or str(secrets.randbits(60)),
            "shop_id": shop_id, "timestamp": NOW, "data": data}


def deliver(client, body, signature: str | None = None, headers=None):
    """POST a delivery as TikTok does: the raw JSON, the Authorization signature over it."""
    raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    if signature is None:
        signature = webhook_signature(SANDBOX_APP_KEY, SANDBOX_APP_SECRET, raw)
    return client.post(WEBHOOK_PATH, content=raw, headers={
        "content-type": "application/json", **({"authorization": signature} if signature else {}),
        **(headers or {})})


def open_id_of(client) -> str:
    (open_id,) = client.portal.call(client.app.state.backend.store.sellers)
    return open_id


def events(client, after: str = "0") -> list:
    """Every event the seller's pages were sent after ``after`` (the in-process feed keeps them)."""
    feed = client.app.state.backend.events
    open_id = open_id_of(client)

    open_id = open_id_of(client)

    async def read():
        async with feed.subscribe(open_id, after) as subscription:
            found = []
            while (event := await subscription.next(timeout=0)) is not None:
                found.append(event)
            return found

    return client.portal.call(read)


def awaiting(client, shop=US_SHOP) -> int:
    reply = client.get(RETURNS_SUMMARY_PATH, params={"outer_shop_id": shop})
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["awaiting"]


@pytest.fixture
def logged(make_backend):
    """A backend whose requests to TikTok are noted, with a connected seller."""
    log = RequestLog()
    return log, make_backend({"http": log.client()})


def test_the_known_answer_delivery_is_acknowledged(logged, tiktok):
    log, backend = logged
    connect(backend, tiktok)
    reply = deliver(backend, KNOWN_BODY, KNOWN_SIGNATURE)
    assert reply.status_code == 200 and reply.json()["code"] == 0
    assert [event.name for event in events(backend)] == ["returns"]


@pytest.mark.parametrize("signature", [None, "", "0" * 64, KNOWN_SIGNATURE[:-1] + "0",
                                       webhook_signature(SANDBOX_APP_KEY, "wrong", KNOWN_BODY)])
def test_a_missing_or_wrong_signature_is_refused_and_nothing_happens(logged, tiktok, signature):
    log, backend = logged
    connect(backend, tiktok)
    searches = log.count(SEARCH)
    headers = {} if signature is None else {"authorization": signature}
    reply = backend.post(WEBHOOK_PATH, content=KNOWN_BODY, headers=headers)
    assert reply.status_code == 401 and reply.json()["code"] == 40102
    assert log.count(SEARCH) == searches and events(backend) == []


def test_a_signature_over_other_bytes_is_refused(backend, tiktok):
    connect(backend, tiktok)
    reply = deliver(backend, KNOWN_BODY.replace(b'"type":12', b'"type":6'), KNOWN_SIGNATURE)
    assert reply.status_code == 401
    assert [shop["id"] for shop in backend.get(SELLER_PATH).json()["data"]["shops"]] == [
        US_SHOP, GB_SHOP]


def test_a_body_over_64_kib_is_refused_unread(backend, tiktok):
    connect(backend, tiktok)
    body = json.dumps(notification(RETURN_STATUS_CHANGE, padding="x" * 70_000)).encode()
    assert deliver(backend, body).status_code == 413
    assert events(backend) == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"type":12}',
                                  b'{"type":"12","tts_notification_id":"1","shop_id":"1"}',
                                  b'{"type":12,"tts_notification_id":"","shop_id":"1"}'])
def test_a_signed_body_that_is_no_notification_is_refused(backend, tiktok, body):
    connect(backend, tiktok)
    reply = deliver(backend, body)
    assert reply.status_code == 400 and reply.json()["code"] == 40001


def test_a_return_status_change_recomputes_the_summary_at_once_and_pushes_it(logged, tiktok):
    log, backend = logged
    connect(backend, tiktok)
    before = awaiting(backend)  # now cached for a minute
    tiktok.control("returns", shop_id=US_SHOP)
    assert awaiting(backend) == before  # the cache: what polling alone would show
    assert deliver(backend, notification(RETURN_STATUS_CHANGE)).status_code == 200
    (event,) = events(backend)
    assert event.name == "returns"
    assert event.data["shop_id"] == US_SHOP and event.data["awaiting"] == before + 1
    assert set(event.data) >= {"awaiting", "due_within_24h", "next_deadline", "checked_at",
                               "next_deadline_return_id", "newest_request_at"}
    assert awaiting(backend) == before + 1  # the cached summary was replaced too


def test_a_duplicate_is_acknowledged_and_has_no_second_effect(logged, tiktok):
    log, backend = logged
    connect(backend, tiktok)
    delivery = notification(RETURN_STATUS_CHANGE)
    assert deliver(backend, delivery).status_code == 200
    searches = log.count(SEARCH)
    assert deliver(backend, delivery).status_code == 200
    assert log.count(SEARCH) == searches
    assert len(events(backend)) == 1


def test_a_duplicate_reaching_another_process_has_no_second_effect(make_backend, tiktok,
                                                                   redis_url):
    log_a, log_b = RequestLog(), RequestLog()
    a = make_backend({"http": log_a.client()}, redis_url=redis_url)
    b = make_backend({"http": log_b.client()}, redis_url=redis_url)
    connect(a, tiktok)
    delivery = notification(RETURN_STATUS_CHANGE)
    assert deliver(a, delivery).status_code == 200
    assert deliver(b, delivery).status_code == 200
    assert log_a.count(SEARCH) >= 1 and log_b.count(SEARCH) == 0


def test_deliveries_out_of_order_leave_the_newest_count(backend, tiktok):
    connect(backend, tiktok)
    before = awaiting(backend)
    tiktok.control("returns", shop_id=US_SHOP)
    tiktok.clock.advance(5)
    tiktok.control("returns", shop_id=US_SHOP)
    newer = notification(RETURN_STATUS_CHANGE, update_time=int(tiktok.clock.now()))
    older = notification(RETURN_STATUS_CHANGE, update_time=int(tiktok.clock.now()) - 5)
    assert deliver(backend, newer).status_code == 200
    assert deliver(backend, older).status_code == 200
    pushed = [event.data["awaiting"] for event in events(backend)]
    assert pushed[-1] == before + 2 and all(count == before + 2 for count in pushed)
    assert awaiting(backend) == before + 2


def test_a_deauthorization_removes_the_shop_and_tells_the_pages(backend, tiktok):
    connect(backend, tiktok)
    assert deliver(backend, notification(SELLER_DEAUTHORIZATION, GB_SHOP,
                                         message="the seller removed the app")).status_code == 200
    who = backend.get(SELLER_PATH).json()["data"]
    assert [shop["id"] for shop in who["shops"]] == [US_SHOP]
    token = backend.get(TOKEN_PATH, params={"outer_shop_id": GB_SHOP, "partner_type": "1"})
    assert token.status_code == 403
    (event,) = events(backend)
    assert event.name == "connection"
    assert event.data == {"shop_id": GB_SHOP, "connected": False,
                          "connect_url": "/auth/tiktok/start", "reconnect_by": None}


def test_an_upcoming_expiration_asks_the_seller_to_reconnect(backend, tiktok):
    connect(backend, tiktok)
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] is None
    expiration = NOW + 3 * 86_400
    assert deliver(backend, notification(UPCOMING_AUTHORIZATION_EXPIRATION,
                                         message="expires soon",
                                         expiration_time=expiration)).status_code == 200
    assert backend.get(SELLER_PATH).json()["data"]["reconnect_by"] == "2026-01-04T00:00:00Z"
    (event,) = events(backend)
    assert event.name == "connection" and event.data["connected"] is True
    assert event.data["reconnect_by"] == "2026-01-04T00:00:00Z" and event.data["shop_id"] == US_SHOP


def test_an_unknown_type_or_shop_is_acknowledged_and_ignored(logged, tiktok):
    log, backend = logged
    connect(backend, tiktok)
    searches = log.count(SEARCH)
    assert deliver(backend, notification(1, order_id="1")).status_code == 200
    assert deliver(backend, notification(RETURN_STATUS_CHANGE, "7495619999999999999")
                   ).status_code == 200
    assert log.count(SEARCH) == searches and events(backend) == []


def test_tiktok_down_while_handling_still_acknowledges(backend, tiktok, logs):
    connect(backend, tiktok)
    awaiting(backend)
    tiktok.control("faults", target="open_api", status=503, count=10)
    assert deliver(backend, notification(RETURN_STATUS_CHANGE)).status_code == 200
    assert events(backend) == []
    assert "pages still poll" in logs.text


def test_the_path_is_a_setting(make_backend, tiktok):
    backend = make_backend(webhook_path="/hooks/tts")
    connect(backend, tiktok)
    assert backend.post(WEBHOOK_PATH, content=KNOWN_BODY).status_code in (404, 405)
    reply = backend.post("/hooks/tts", content=KNOWN_BODY,
                         headers={"authorization": KNOWN_SIGNATURE})
    assert reply.status_code == 200
