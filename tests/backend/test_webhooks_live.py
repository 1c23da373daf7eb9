"""The whole way, on real servers: the sandbox delivers TikTok's webhooks (its sender
running) to the backend's webhook address, and the seller's open stream hears of it; the
backend on a SQLite file and on PostgreSQL (``database``)."""

import json
import time

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from testsupport.servers import bound_socket, serve_in_thread
from tiktokshop_sandbox import create_app as create_sandbox

from .conftest import GB_SHOP, SANDBOX, US_SHOP, Sandbox
from .test_event_stream import EventSource, running_backend


@pytest.fixture
def tiktok(sandbox_settings, clock):
    """The sandbox with its lifespan: its webhook sender runs."""
    sandbox = create_sandbox(sandbox_settings, clock)
    host = Starlette(routes=[Mount(SANDBOX, app=sandbox)],
                     lifespan=sandbox.router.lifespan_context)
    with serve_in_thread(host, lifespan="on") as url:
        tiktok = Sandbox(url, clock, sandbox_settings)
        tiktok.sender = sandbox.state.webhooks
        tiktok.store = sandbox.state.store
        yield tiktok


def wait_for_subscriptions(tiktok, shops=(US_SHOP, GB_SHOP), handled=3):
    """Until the backend subscribed the shops (it does so once the seller is back on the page)."""
    deadline = time.monotonic() + 15
    while True:
        with tiktok.store.reading() as db:
            counts = [len(tiktok.store.events.subscriptions(db, shop)) for shop in shops]
        if all(count == handled for count in counts):
            return
        assert time.monotonic() < deadline, f"subscriptions: {counts}"
        time.sleep(0.02)


@pytest.fixture
def subscribed(tmp_path, tiktok, database):
    """A backend whose webhook address the connected seller's shops are subscribed to."""
    sock = bound_socket()
    address = "http://127.0.0.1:%d/webhooks/tiktok" % sock.getsockname()[1]
    with running_backend(tmp_path, tiktok, sock, webhook_url=address,
                         event_heartbeat=1, **database) as running:
        wait_for_subscriptions(tiktok)
        yield running


def data(message: dict) -> dict:
    return json.loads(message["data"])


def test_a_new_request_reaches_the_open_page_through_a_webhook(subscribed, tiktok):
    app, client = subscribed
    stream = EventSource(client)
    assert stream.next()["comment"] == "connected"
    tiktok.control("returns", shop_id=US_SHOP)
    pushed = data(stream.next("returns"))
    assert pushed["shop_id"] == US_SHOP
    assert tiktok.sender.settled(10)
    assert tiktok.sender.deliveries()[0]["state"] == "delivered"
    stream.close()


def test_a_deauthorization_reaches_the_open_page(subscribed, tiktok):
    app, client = subscribed
    stream = EventSource(client)
    tiktok.control("revoke", shop_ids=[GB_SHOP])  # the seller's grant: both its shops
    lost = set()
    while lost != {US_SHOP, GB_SHOP}:
        change = data(stream.next("connection"))
        if change["connected"]:  # the sandbox may also say the grant expires within a week
            assert change["reconnect_by"]
        else:
            lost.add(change["shop_id"])
    assert client.get("/api/v1/seller").json()["data"]["shops"] == []
    stream.close()


def test_an_event_sent_while_the_backend_is_down_arrives_after_its_restart(tmp_path, tiktok,
                                                                          database):
    sock = bound_socket()
    port = sock.getsockname()[1]
    address = "http://127.0.0.1:%d/webhooks/tiktok" % port
    with running_backend(tmp_path, tiktok, sock, webhook_url=address, **database) as (
            app, client):
        wait_for_subscriptions(tiktok)
        assert tiktok.sender.settled(10)
    tiktok.control("returns", shop_id=US_SHOP)  # nobody answers at the address now
    assert tiktok.sender.settled(10)
    (failed,) = [d for d in tiktok.sender.deliveries() if d["state"] == "pending"]
    assert failed["attempts"] == 1 and failed["type"] == 12
    with running_backend(tmp_path, tiktok, bound_socket(port=port), webhook_url=address,
                         event_heartbeat=1, **database) as (app, client):
        stream = EventSource(client)
        assert stream.next()["comment"] == "connected"
        tiktok.control("clock", advance=failed["next_attempt_at"] - tiktok.clock.now())
        pushed = data(stream.next("returns"))
        assert pushed["shop_id"] == US_SHOP
        assert tiktok.sender.settled(10)
        (retried,) = [d for d in tiktok.sender.deliveries()
                      if d["delivery_id"] == failed["delivery_id"]]
        assert retried["state"] == "delivered" and retried["attempts"] == 2
        stream.close()
