"""TikTok's webhooks are never lost: recorded in the database before TikTok hears 200, taken
again after the process that had them was killed, retried with backoff when their work
fails, given up in one log line, pruned after TikTok's 72-hour retry window; a duplicate
has no second effect, whichever process gets it. On a SQLite file and on PostgreSQL."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import psycopg
import pytest
from starlette.testclient import TestClient

from testsupport.leaks import WATCH, sandbox_credentials_db
from tiktokshop_backend import create_app
from tiktokshop_backend._store import ReceivedWebhook
from tiktokshop_backend._webhooks import ATTEMPT_LEASE_S, MAX_ATTEMPTS, RETRY_BASE_S, RETRY_MAX_S
from tiktokshop_protocol import (
    RETRY_WINDOW_S,
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    webhook_signature,
)
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from tiktokshop_widgets.backend import SELLER_PATH

from .conftest import (
    ENCRYPTION_KEY,
    GB_SHOP,
    NOW,
    OWN_ORIGIN,
    PROJECT_ROOT,
    US_SHOP,
    RequestLog,
    backend_settings,
    connect,
)
from .test_several_processes import environ
from .test_webhooks import SEARCH, WEBHOOK_PATH, deliver, events, notification, open_id_of


def services(client):
    return client.app.state.backend


def recorded(client, notification_id: str):
    """The webhook as the database holds it (None: no record)."""
    return client.portal.call(services(client).store.webhook, notification_id)


def run_pass(client) -> int:
    return client.portal.call(services(client).webhook_retries.run_pass)


def by_hand(client):
    """The backend's retry passes stopped: the test runs each one (``run_pass``)."""
    client.portal.call(services(client).webhook_retries.stop)
    return client


def counted(client, outcome: str) -> float:
    return services(client).metrics.registry.get_sample_value(
        "tiktokshop_backend_webhooks_total", {"outcome": outcome}) or 0


def test_a_delivery_is_recorded_and_marked_done(backend, tiktok):
    connect(backend, tiktok)
    delivery = notification(RETURN_STATUS_CHANGE)
    assert deliver(backend, delivery).status_code == 200
    webhook = recorded(backend, delivery["tts_notification_id"])
    assert (webhook.state, webhook.attempts, webhook.type, webhook.shop_id) == (
        "done", 1, RETURN_STATUS_CHANGE, US_SHOP)
    assert json.loads(webhook.body) == delivery and webhook.received_at == NOW
    assert deliver(backend, delivery).status_code == 200
    assert (counted(backend, "received"), counted(backend, "duplicate"),
            counted(backend, "done")) == (1, 1, 1)


def test_a_duplicate_delivered_to_two_processes_at_once_has_one_effect(make_backend, tiktok):
    """Two apps (as two processes or machines) on one database, no Redis: the same
    delivery to both at once is done by exactly one of them."""
    logs = [RequestLog(), RequestLog()]
    a, b = (make_backend({"http": log.client()}) for log in logs)
    connect(a, tiktok)
    delivery = notification(RETURN_STATUS_CHANGE)
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda client: deliver(client, delivery), [a, b, a, b]))
    assert [reply.status_code for reply in replies] == [200] * 4
    searched = [log.count(SEARCH) for log in logs]
    assert sorted(min(count, 1) for count in searched) == [0, 1], searched
    assert counted(a, "received") + counted(b, "received") == 1
    assert counted(a, "duplicate") + counted(b, "duplicate") == 3


KILLED_BACKEND = textwrap.dedent("""
    import asyncio, socket, sys
    import uvicorn
    from tiktokshop_backend import BackendSettings, create_app
    from tiktokshop_backend._webhooks import Webhooks

    class Stopped:
        # The tests' clock, standing still where theirs is.
        def now(self):
            return float(sys.argv[1])

    async def stuck(self, webhook):
        print("processing", webhook.notification_id, flush=True)
        await asyncio.Event().wait()  # until the test kills this process

    Webhooks.handle = stuck  # the work never ends: the process is killed in the middle of it
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections wait in its backlog until the app has started
    print("port", sock.getsockname()[1], flush=True)
    app = create_app(BackendSettings.from_environ(), clock=Stopped())
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
""")


def test_a_process_killed_after_answering_loses_nothing(make_backend, tiktok, database,
                                                         tmp_path):
    connect(by_hand(make_backend()), tiktok)
    env = environ(tmp_path, tiktok, None, **database)
    (tmp_path / "killed").mkdir()
    log_path = tmp_path / "killed" / "backend.log"
    WATCH.watch_log(log_path, tmp_path / "killed", [ENCRYPTION_KEY, SANDBOX_APP_SECRET],
                    credentials_db=sandbox_credentials_db(tiktok.settings.data_dir))
    with open(log_path, "w") as log:
        killed = subprocess.Popen([sys.executable, "-c", KILLED_BACKEND, str(NOW)],
                                  cwd=PROJECT_ROOT, env={**os.environ, **env},
                                  stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        port = killed.stdout.readline().split()[1]
        delivery = notification(RETURN_STATUS_CHANGE)
        raw = json.dumps(delivery).encode()
        reply = httpx.post(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", content=raw, timeout=30,
                           headers={"authorization": webhook_signature(
                               SANDBOX_APP_KEY, SANDBOX_APP_SECRET, raw)})
        assert reply.status_code == 200  # TikTok will not deliver it again
        assert killed.stdout.readline().split() == ["processing",
                                                    delivery["tts_notification_id"]]
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()

    # Started while the killed attempt could still be under way: it is left to it.
    log_early = RequestLog()
    early = make_backend({"http": log_early.client()})
    early.portal.call(services(early).webhook_retries.passes, 1)
    by_hand(early)
    webhook = recorded(early, delivery["tts_notification_id"])
    assert (webhook.state, webhook.attempts) == ("pending", 1)
    assert log_early.count(SEARCH) == 0 and events(early) == []

    # Once that attempt is presumed dead, a process that starts does the work.
    tiktok.clock.advance(ATTEMPT_LEASE_S)
    log_later = RequestLog()
    later = make_backend({"http": log_later.client()})
    later.portal.call(services(later).webhook_retries.passes, 1)
    (event,) = events(later)
    assert event.name == "returns" and event.data["shop_id"] == US_SHOP
    assert log_later.count(SEARCH) == 1
    webhook = recorded(later, delivery["tts_notification_id"])
    assert (webhook.state, webhook.attempts) == ("done", 2)


@pytest.fixture
def failing(make_backend, tiktok):
    """A backend whose calls to TikTok are tried once each (no backoff of the client's), its
    retry passes run by hand, its requests to TikTok noted, with a connected seller."""
    log = RequestLog()
    backend = by_hand(make_backend({"http": log.client()}, read_attempts=1))
    connect(backend, tiktok)
    return log, backend


def test_a_failed_attempt_is_tried_again_after_a_backoff(failing, tiktok, logs):
    log, backend = failing
    tiktok.control("faults", target="open_api", status=503, count=1)
    delivery = notification(RETURN_STATUS_CHANGE)
    assert deliver(backend, delivery).status_code == 200
    webhook = recorded(backend, delivery["tts_notification_id"])
    assert (webhook.state, webhook.attempts, webhook.next_attempt_at) == (
        "pending", 1, NOW + RETRY_BASE_S)
    assert events(backend) == []
    assert "attempt 1 failed" in logs.text and "trying again in 30 s" in logs.text

    assert run_pass(backend) == 0  # not due yet
    tiktok.clock.advance(RETRY_BASE_S)
    assert run_pass(backend) == 1
    (event,) = events(backend)
    assert event.name == "returns"
    assert recorded(backend, delivery["tts_notification_id"]).state == "done"
    assert run_pass(backend) == 0  # done: never again
    assert (counted(backend, "retried"), counted(backend, "done")) == (1, 1)


def test_a_webhook_that_keeps_failing_is_given_up_in_one_log_line(failing, tiktok, logs):
    log, backend = failing
    tiktok.control("faults", target="open_api", status=503, count=1000)
    delivery = notification(RETURN_STATUS_CHANGE)
    notification_id = delivery["tts_notification_id"]
    assert deliver(backend, delivery).status_code == 200
    waits = []
    while (webhook := recorded(backend, notification_id)).state == "pending":
        waits.append(webhook.next_attempt_at - int(tiktok.clock.now()))
        tiktok.clock.advance(webhook.next_attempt_at - tiktok.clock.now())
        assert run_pass(backend) == 0
    assert webhook.state == "failed" and webhook.attempts == MAX_ATTEMPTS
    assert waits == [min(RETRY_MAX_S, RETRY_BASE_S * 2 ** n) for n in range(MAX_ATTEMPTS - 1)]
    assert log.count(SEARCH) == MAX_ATTEMPTS and events(backend) == []
    (gave_up,) = [record for record in logs.records if "gave up" in record.getMessage()]
    assert gave_up.getMessage().startswith(
        f"gave up on webhook {notification_id} (type 12) for shop {US_SHOP} after "
        f"{MAX_ATTEMPTS} attempt(s): TikTok ")
    assert "HTTP 503" in gave_up.getMessage()
    seller = backend.portal.call(services(backend).store.seller, open_id_of(backend))
    for secret in (seller.access_token, seller.refresh_token, SANDBOX_APP_SECRET,
                   ENCRYPTION_KEY):
        assert secret not in logs.text
    assert (counted(backend, "retried"), counted(backend, "gave_up")) == (MAX_ATTEMPTS - 1, 1)

    tiktok.clock.advance(RETRY_MAX_S * 4)
    assert run_pass(backend) == 0 and log.count(SEARCH) == MAX_ATTEMPTS  # given up: left


def test_an_attempt_whose_process_died_every_time_is_given_up(failing, tiktok, logs):
    """Pending with every attempt begun and none finished (each process killed): the next
    pass gives it up rather than killing another."""
    log, backend = failing
    delivery = notification(RETURN_STATUS_CHANGE)
    backend.portal.call(services(backend).store.receive_webhook, ReceivedWebhook(
        delivery["tts_notification_id"], RETURN_STATUS_CHANGE, US_SHOP, json.dumps(delivery),
        "/auth/tiktok/start", NOW, attempts=MAX_ATTEMPTS, next_attempt_at=NOW))
    assert run_pass(backend) == 0
    assert recorded(backend, delivery["tts_notification_id"]).state == "failed"
    assert log.count(SEARCH) == 0
    assert "its last attempt did not finish" in logs.text


def test_a_due_webhook_is_taken_by_one_of_two_processes(make_backend, tiktok):
    logs = [RequestLog(), RequestLog()]
    a, b = (by_hand(make_backend({"http": log.client()}, read_attempts=1)) for log in logs)
    connect(a, tiktok)
    tiktok.control("faults", target="open_api", status=503, count=1)
    delivery = notification(RETURN_STATUS_CHANGE)
    assert deliver(a, delivery).status_code == 200  # its first attempt fails
    tiktok.clock.advance(RETRY_BASE_S)
    searched = [log.count(SEARCH) for log in logs]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(run_pass, [a, b]))
    assert sorted(done) == [0, 1]
    assert sum(log.count(SEARCH) for log in logs) == sum(searched) + 1
    assert recorded(a, delivery["tts_notification_id"]).attempts == 2


def test_done_and_failed_webhooks_are_pruned_after_tiktoks_retry_window(failing, tiktok):
    log, backend = failing
    done = notification(RETURN_STATUS_CHANGE)
    assert deliver(backend, done).status_code == 200
    tiktok.clock.advance(RETRY_WINDOW_S)
    assert run_pass(backend) == 0
    assert recorded(backend, done["tts_notification_id"]).state == "done"  # still a duplicate
    assert deliver(backend, done).status_code == 200
    assert len(events(backend)) == 1
    tiktok.clock.advance(1)
    run_pass(backend)
    assert recorded(backend, done["tts_notification_id"]) is None


@pytest.mark.parametrize("kind", [RETURN_STATUS_CHANGE, SELLER_DEAUTHORIZATION,
                                  UPCOMING_AUTHORIZATION_EXPIRATION])
def test_doing_a_webhooks_work_again_changes_nothing_more(backend, tiktok, kind):
    """What a retry does after a process died half-way (its effects were made, the record
    not marked done): the same state, and the pages told the same again."""
    connect(backend, tiktok)
    delivery = notification(kind, GB_SHOP, message="m", expiration_time=NOW + 3 * 86_400)
    assert deliver(backend, delivery).status_code == 200
    seller = backend.get(SELLER_PATH).json()["data"]
    (first,) = events(backend)
    webhook = recorded(backend, delivery["tts_notification_id"])
    backend.portal.call(services(backend).webhooks.handle, webhook)
    assert backend.get(SELLER_PATH).json()["data"] == seller
    (again,) = events(backend, first.id)
    assert (again.name, again.data) == (first.name, first.data)
    if kind == SELLER_DEAUTHORIZATION:  # the shop was gone: the seller came from the record
        assert webhook.open_id == open_id_of(backend)
        assert again.data["connected"] is False and again.data["shop_id"] == GB_SHOP


def test_a_delivery_the_database_cannot_record_is_refused_for_tiktok_to_deliver_again(
        tmp_path, tiktok, postgres, postgres_url):
    """PostgreSQL away: no 200 (TikTok would not deliver it again), a 503; once it is back,
    TikTok's next delivery of the same event is recorded and done."""
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("TRUNCATE shops, sellers, webhooks")
    app = create_app(backend_settings(tmp_path, tiktok, database_url=postgres_url),
                     clock=tiktok.clock)
    with TestClient(app, base_url=OWN_ORIGIN) as backend:
        connect(backend, tiktok)
        delivery = notification(RETURN_STATUS_CHANGE)
        postgres.stop()
        try:
            refused = deliver(backend, delivery)
        finally:
            postgres.start()
        assert refused.status_code == 503 and events(backend) == []
        assert deliver(backend, delivery).status_code == 200
        assert recorded(backend, delivery["tts_notification_id"]).state == "done"
        (event,) = events(backend)
        assert event.name == "returns"


def test_an_attempt_that_outlived_its_lease_decides_nothing(failing):
    """Taken again while its first attempt still ran (past the lease): the first one's
    failure leaves the second one's record alone; the second one's counts."""
    log, backend = failing
    store, call = services(backend).store, backend.portal.call
    webhook = ReceivedWebhook("8000000000000000001", RETURN_STATUS_CHANGE, US_SHOP, "{}",
                              "/auth/tiktok/start", NOW, next_attempt_at=NOW)
    assert call(store.receive_webhook, webhook)
    taken = call(store.take_webhook, webhook, NOW, NOW + ATTEMPT_LEASE_S)
    assert (taken.attempts, taken.next_attempt_at) == (2, NOW + ATTEMPT_LEASE_S)
    assert call(store.take_webhook, webhook, NOW, NOW + 1) is None  # one taker only
    assert not call(store.webhook_failed, webhook, None)  # the first attempt: too late
    assert call(store.webhook, webhook.notification_id) == taken
    assert call(store.webhook_failed, taken, NOW + RETRY_BASE_S)
    assert call(store.webhook, webhook.notification_id).next_attempt_at == NOW + RETRY_BASE_S
