"""``python -m tiktokshop_backend check`` against the real sandbox over HTTP: everything
passing, and each way it fails (a wrong secret or app key, a bad code, an expired refresh
token, TikTok down, a wrong widget-token path, a webhook address refusing or silent),
each with TikTok's answer and the likely cause, and never a secret, code or token printed.

The sandbox runs on the wall clock here, as TikTok does: the check signs with this
machine's clock, in-process (``run_check``) or as the command a developer types.
"""

import asyncio
import itertools
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from testsupport.leaks import WATCH, sandbox_credentials_db
from testsupport.servers import PROJECT_ROOT, _running, bound_socket, dead_port, serve_in_thread
from tiktokshop_backend import BackendSettings, OpenApiClient, create_app
from tiktokshop_backend._check import FAILED, PASSED, SKIPPED, Step, run_check
from tiktokshop_backend._subscriptions import EVENT_TYPES
from tiktokshop_protocol import TOKEN_GET_PATH, WEBHOOKS_PATH, verify_webhook
from tiktokshop_sandbox import (
    AUTH_MOUNT,
    AUTHORIZE_PATH,
    OPEN_API_MOUNT,
    SANDBOX_APP_KEY,
    SANDBOX_APP_SECRET,
    SANDBOX_SERVICE_ID,
    WIDGET_TOKEN_PATH,
    Clock,
    SandboxSettings,
)
from tiktokshop_sandbox import create_app as create_sandbox

from .conftest import (
    ENCRYPTION_KEY,
    GB_SHOP,
    REDIRECT_URL,
    SANDBOX,
    SESSION_SECRET,
    US_SHOP,
    Sandbox,
    backend_settings,
)

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# The sandbox's access and refresh tokens and codes: secrets.token_urlsafe(32).
SANDBOX_CREDENTIAL = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
STANDALONE_SERVING = re.compile(r"Serving the TikTok Shop sandbox at (http://\S+?)/sandbox/")
CHECK_RUNS = itertools.count(1)
STEPS = ("signature", "authorize link", "token exchange", "token refresh", "shops",
         "returns search", "widget token", "event subscriptions", "webhook address")


@pytest.fixture
def clock():
    """TikTok's clock is the wall clock: the check signs with this machine's."""
    return Clock()


@contextmanager
def running_sandbox(tmp_path, redirect_url=REDIRECT_URL, **overrides):
    """A sandbox of its own settings (``overrides``) under uvicorn, on the wall clock."""
    settings = SandboxSettings(data_dir=tmp_path / "own-sandbox", redirect_url=redirect_url,
                               controls=True, **overrides)
    clock = Clock()
    host = Starlette(routes=[Mount(SANDBOX, app=create_sandbox(settings, clock))])
    with serve_in_thread(host) as url:
        yield Sandbox(url, clock, settings)


def auth_code(tiktok: Sandbox, shops=(US_SHOP, GB_SHOP)) -> str:
    """What a seller's Authorize click gives the app: a fresh code."""
    redirect = tiktok.control("authorize", shop_ids=list(shops), state="check")["redirect_url"]
    return parse_qs(urlsplit(redirect).query)["code"][0]


@dataclass
class Outcome:
    steps: dict[str, Step]
    lines: list[str]
    credentials: list[str]  # every token and code TikTok handed out during the check

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def statuses(self) -> dict[str, str]:
        return {name: step.status for name, step in self.steps.items()}

    def assert_nothing_secret(self, *more: str) -> None:
        for secret in [SANDBOX_APP_SECRET, ENCRYPTION_KEY, SESSION_SECRET, *self.credentials,
                       *more]:
            assert secret not in self.text
        assert not JWT.search(self.text)


def check(settings, webhook_url=None, **kwargs) -> Outcome:
    """``run_check`` in this process (``webhook_url``: TIKTOKSHOP_WEBHOOK_URL's setting),
    noting the tokens TikTok's replies carried."""
    if webhook_url is not None:
        settings = replace(settings, webhook_url=webhook_url)
    lines, credentials = [], []

    async def note(response: httpx.Response) -> None:
        await response.aread()
        try:
            data = response.json().get("data") or {}
        except (ValueError, AttributeError):
            return
        credentials.extend(str(data[key]) for key in ("access_token", "refresh_token", "token")
                           if isinstance(data, dict) and data.get(key))

    async def go():
        async with httpx.AsyncClient(event_hooks={"response": [note]}) as http:
            return await run_check(settings, http=http, out=lines.append, **kwargs)

    steps = asyncio.run(go())
    watched_log(settings.db_path.parent, settings.app_secret).write_text("\n".join(lines) + "\n")
    assert [step.name for step in steps] == list(STEPS)
    return Outcome({step.name: step for step in steps}, lines, credentials)


def watched_log(workdir, *secrets: str):
    """A new log file of the check's output in ``workdir``, which the run's leak watch
    reads at the end for these secrets, the project's, and every code and token the
    test's sandbox (``workdir``/sandbox or own-sandbox) issued."""
    log_path = workdir / f"check-{next(CHECK_RUNS)}.log"
    log_path.touch()
    for sandbox_dir in ("sandbox", "own-sandbox"):
        WATCH.watch_log(log_path, workdir, [SANDBOX_APP_SECRET, ENCRYPTION_KEY, SESSION_SECRET,
                                            *filter(None, secrets)],
                        credentials_db=sandbox_credentials_db(workdir / sandbox_dir))
    return log_path


class WebhookReceiver:
    """An ISV's webhook address: checks TikTok's signature (open-api.md) unless told
    not to, answers ``status`` to a good one, 401 to a bad one, and keeps each delivery."""

    def __init__(self, status: int = 200, verify: bool = True, app_key=SANDBOX_APP_KEY,
                 app_secret=SANDBOX_APP_SECRET):
        self.status = status
        self.verify = verify
        self.credentials = (app_key, app_secret)
        self.deliveries: list[tuple[str, bytes, bool]] = []
        self.asgi = Starlette(routes=[Route("/webhooks/tiktok", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> JSONResponse:
        body = await request.body()
        good = verify_webhook(*self.credentials, body, request.headers.get("authorization"))
        self.deliveries.append((request.headers.get("content-type"), body, good))
        if self.verify and not good:
            return JSONResponse({"error": "bad signature"}, 401)
        return JSONResponse({}, self.status)


@contextmanager
def webhook_address(receiver: WebhookReceiver):
    with serve_in_thread(receiver.asgi) as url:
        yield url + "/webhooks/tiktok"


def subscribe(settings, tiktok: Sandbox, address: str, shops=(US_SHOP, GB_SHOP),
              events=EVENT_TYPES) -> None:
    """What the backend does when a seller connects: each shop's ``events`` to ``address``."""
    async def go():
        async with httpx.AsyncClient() as http:
            client = OpenApiClient(settings, http, Clock())
            data = await client.auth(TOKEN_GET_PATH, {"auth_code": auth_code(tiktok, shops),
                                                      "grant_type": "authorized_code"})
            token = data["access_token"]
            listed = await client.open_api("GET", "/authorization/202309/shops",
                                           access_token=token)
            for shop in listed["shops"]:
                for event in events:
                    await client.open_api("PUT", WEBHOOKS_PATH, access_token=token,
                                          shop_cipher=shop["cipher"],
                                          body={"address": address, "event_type": event})
    asyncio.run(go())


# -- everything passes --------------------------------------------------------------------


def test_every_call_passes_and_the_webhook_address_takes_a_signed_delivery(tmp_path, tiktok):
    settings = backend_settings(tmp_path, tiktok)
    receiver = WebhookReceiver()
    with webhook_address(receiver) as address:
        subscribe(settings, tiktok, address)
        outcome = check(settings, code=auth_code(tiktok), webhook_url=address)
    assert outcome.statuses() == dict.fromkeys(STEPS, PASSED), outcome.text
    assert "Maple & Co (US, 7495610000000000001)" in outcome.steps["shops"].detail
    assert "Thames Home Goods (GB, 7495610000000000002)" in outcome.steps["shops"].detail
    assert "Maple & Co: 30 return(s) found" in outcome.steps["returns search"].detail
    assert f"RETURN_STATUS_CHANGE -> {address}" in outcome.steps["event subscriptions"].detail
    # One signed delivery taken, one forged refused; TikTok's shape, for a real shop.
    (kind, body, good), (_, forged_body, forged_good) = receiver.deliveries
    assert (kind, good, forged_good) == ("application/json", True, False)
    event = httpx.Response(200, content=body).json()
    assert event["type"] == 12 and event["shop_id"] == US_SHOP and event["tts_notification_id"]
    assert outcome.lines[-1] == "9 passed, 0 failed, 0 skipped: the app is ready."
    outcome.assert_nothing_secret()
    assert len(outcome.credentials) >= 5  # exchange, refresh, two widget tokens: all masked


def test_without_a_webhook_address_that_step_is_skipped_not_failed(tmp_path, tiktok):
    outcome = check(backend_settings(tmp_path, tiktok), code=auth_code(tiktok))
    assert outcome.steps["webhook address"].status == SKIPPED
    assert "TIKTOKSHOP_WEBHOOK_URL is not set" in outcome.steps["webhook address"].detail
    assert {step.status for step in outcome.steps.values()} == {PASSED, SKIPPED}
    outcome.assert_nothing_secret()


# -- the app's keys ------------------------------------------------------------------------


def test_a_wrong_app_secret_is_named_as_the_cause(tmp_path, tiktok):
    code = auth_code(tiktok)
    outcome = check(backend_settings(tmp_path, tiktok, app_secret="not-the-app-secret-0123"),
                    code=code)
    signature = outcome.steps["signature"]
    assert signature.status == FAILED
    assert (signature.error.status, signature.error.code) == (401, 99100001)
    assert signature.error.request_id
    assert "the app secret (TIKTOKSHOP_APP_SECRET) is wrong" in signature.cause
    assert "code 99100001" in outcome.text and signature.error.request_id in outcome.text
    exchange = outcome.steps["token exchange"]
    assert exchange.status == FAILED and "TIKTOKSHOP_APP_SECRET" in exchange.cause
    assert outcome.steps["shops"].status == SKIPPED
    outcome.assert_nothing_secret("not-the-app-secret-0123", code)


def test_a_wrong_app_key_is_named_as_the_cause(tmp_path, tiktok):
    outcome = check(backend_settings(tmp_path, tiktok, app_key="6someoneelse"),
                    code=auth_code(tiktok))
    for name in ("signature", "token exchange"):
        step = outcome.steps[name]
        assert step.status == FAILED and step.error.code == 99100003, outcome.text
        assert "TikTok does not know the app: check TIKTOKSHOP_APP_KEY" in step.cause
    outcome.assert_nothing_secret()


def test_a_clock_far_from_tiktoks_is_named_as_the_cause(tmp_path, tiktok):
    class Late:
        def now(self):
            return tiktok.clock.now() - 3600

    outcome = check(backend_settings(tmp_path, tiktok), code=auth_code(tiktok), clock=Late())
    signature = outcome.steps["signature"]
    assert signature.status == FAILED and signature.error.code == 99100002
    assert re.search(r"this machine's clock is 3[56]\d\d s behind TikTok's", signature.cause)


# -- the seller's authorization -------------------------------------------------------------


def test_a_bad_code_fails_the_exchange_and_what_needs_it_is_skipped(tmp_path, tiktok):
    outcome = check(backend_settings(tmp_path, tiktok), code="no-such-code-from-tiktok")
    exchange = outcome.steps["token exchange"]
    assert exchange.status == FAILED and exchange.error.code == 99100008
    assert "the code is wrong, used already or expired" in exchange.cause
    assert outcome.statuses()["signature"] == PASSED
    for name in ("token refresh", "shops", "returns search", "widget token",
                 "event subscriptions"):
        assert outcome.steps[name].status == SKIPPED
    outcome.assert_nothing_secret("no-such-code-from-tiktok")


def test_an_expired_refresh_token_means_the_seller_must_authorize_again(tmp_path):
    with running_sandbox(tmp_path, refresh_token_ttl=0) as tiktok:
        outcome = check(backend_settings(tmp_path, tiktok), code=auth_code(tiktok))
    refresh = outcome.steps["token refresh"]
    assert refresh.status == FAILED and refresh.error.code == 99100009, outcome.text
    assert "the refresh token expired at" in refresh.cause
    assert "the seller must authorize the app again" in refresh.cause
    # The exchange's access token still works: the other calls are checked with it.
    assert outcome.steps["shops"].status == PASSED
    assert outcome.steps["widget token"].status == PASSED
    outcome.assert_nothing_secret()


def test_no_callback_in_time_fails_the_exchange(tmp_path, tiktok):
    port = bound_socket()
    redirect_url = f"http://127.0.0.1:{port.getsockname()[1]}/auth/tiktok/callback"
    port.close()
    outcome = check(backend_settings(tmp_path, tiktok, redirect_url=redirect_url), wait_s=0.2)
    exchange = outcome.steps["token exchange"]
    assert exchange.status == FAILED and exchange.detail == "no callback within 0.2 s"
    assert "the seller did not authorize in time" in exchange.cause
    assert outcome.steps["shops"].status == SKIPPED


def test_a_callback_port_in_use_fails_the_exchange_and_says_what_to_do(tmp_path, tiktok):
    taken = bound_socket()
    taken.listen()
    try:
        redirect_url = f"http://127.0.0.1:{taken.getsockname()[1]}/auth/tiktok/callback"
        outcome = check(backend_settings(tmp_path, tiktok, redirect_url=redirect_url))
    finally:
        taken.close()
    exchange = outcome.steps["token exchange"]
    assert exchange.status == FAILED and exchange.detail.startswith("cannot listen on 127.0.0.1:")
    assert "run the check again with --code - and paste it" in exchange.cause
    assert any(line.startswith("Authorize link: " + tiktok.base + AUTHORIZE_PATH)
               for line in outcome.lines)


# -- TikTok down or misconfigured -----------------------------------------------------------


def test_tiktok_down_fails_every_call_with_no_answer(tmp_path, tiktok):
    down = f"http://127.0.0.1:{dead_port()}"
    settings = backend_settings(tmp_path, tiktok, open_api_base=down + OPEN_API_MOUNT,
                                auth_base=down + AUTH_MOUNT, authorize_url=down + AUTHORIZE_PATH,
                                read_attempts=1)
    outcome = check(settings, code="a-code-from-earlier")
    signature, exchange = outcome.steps["signature"], outcome.steps["token exchange"]
    assert signature.status == FAILED and signature.error.status is None
    assert "TikTok is down or unreachable from here: check TIKTOKSHOP_OPEN_API_BASE" \
        in signature.cause
    assert exchange.status == FAILED and "check TIKTOKSHOP_AUTH_BASE" in exchange.cause
    assert outcome.steps["authorize link"].status == FAILED
    assert "TIKTOKSHOP_AUTHORIZE_URL" in outcome.steps["authorize link"].cause
    assert "TikTok: no answer" in outcome.text


def test_tiktok_failing_is_told_apart_from_a_refusal(tmp_path, tiktok):
    tiktok.control("faults", target="open_api", status=503, count=1000)
    outcome = check(backend_settings(tmp_path, tiktok, read_attempts=1), code=auth_code(tiktok))
    signature = outcome.steps["signature"]
    assert signature.status == FAILED and signature.error.status == 503
    assert signature.cause == "TikTok is failing right now: run the check again later"
    assert outcome.steps["token exchange"].status == PASSED
    assert outcome.steps["shops"].status == FAILED


def test_a_wrong_service_id_fails_the_authorize_link(tmp_path, tiktok):
    outcome = check(backend_settings(tmp_path, tiktok, service_id="7300000000000000999"))
    link = outcome.steps["authorize link"]
    assert link.status == FAILED and "TIKTOKSHOP_SERVICE_ID" in link.cause
    assert outcome.steps["token exchange"].status == SKIPPED


def test_a_wrong_widget_token_path_is_named_as_the_cause(tmp_path, tiktok):
    settings = backend_settings(tmp_path, tiktok, widget_token_path="/widget/202309/token")
    outcome = check(settings, code=auth_code(tiktok))
    widget = outcome.steps["widget token"]
    assert widget.status == FAILED and widget.error.status == 404, outcome.text
    assert ("TIKTOKSHOP_WIDGET_TOKEN_PATH (/widget/202309/token) is not TikTok's "
            "widget-token call") in widget.cause
    assert outcome.steps["returns search"].status == PASSED
    outcome.assert_nothing_secret()


# -- the webhook address --------------------------------------------------------------------


def test_a_shop_not_subscribed_to_the_webhook_address_fails(tmp_path, tiktok):
    settings = backend_settings(tmp_path, tiktok)
    receiver = WebhookReceiver()
    with webhook_address(receiver) as address:
        subscribe(settings, tiktok, address, shops=(US_SHOP,), events=["RETURN_STATUS_CHANGE"])
        outcome = check(settings, code=auth_code(tiktok), webhook_url=address)
    events = outcome.steps["event subscriptions"]
    assert events.status == FAILED and "Thames Home Goods: none" in events.detail
    others = [event for event in EVENT_TYPES if event != "RETURN_STATUS_CHANGE"]
    assert (f"TikTok would not send Maple & Co ({', '.join(others)}); Thames Home Goods "
            f"({', '.join(EVENT_TYPES)}) to TIKTOKSHOP_WEBHOOK_URL ({address})") in events.cause
    assert outcome.steps["webhook address"].status == PASSED


def test_the_backends_own_webhook_address_passes(tmp_path, tiktok):
    """The backend's receiver (POST /webhooks/tiktok) takes the check's delivery and
    refuses its forgery, as it would TikTok's."""
    with serve_in_thread(create_app(backend_settings(tmp_path, tiktok), clock=tiktok.clock)) \
            as backend:
        address = backend + "/webhooks/tiktok"
        settings = backend_settings(tmp_path, tiktok, webhook_url=address)
        subscribe(settings, tiktok, address)
        outcome = check(settings, code=auth_code(tiktok))
    assert outcome.statuses() == dict.fromkeys(STEPS, PASSED), outcome.text
    assert re.search(r"took a signed test delivery \(HTTP 200, \d+ ms\) and refused a forged "
                     r"one \(HTTP 401\)", outcome.steps["webhook address"].detail)
    outcome.assert_nothing_secret()


@pytest.mark.parametrize("receiver, expected", [
    (WebhookReceiver(status=500), "the receiver failed on a delivery"),
    (WebhookReceiver(verify=False), "accepted a delivery whose signature is wrong"),
])
def test_a_webhook_address_that_fails_or_takes_forgeries_fails(tmp_path, tiktok, receiver,
                                                                expected):
    with webhook_address(receiver) as address:
        outcome = check(backend_settings(tmp_path, tiktok), webhook_url=address,
                        code=auth_code(tiktok))
    step = outcome.steps["webhook address"]
    assert step.status == FAILED and expected in step.detail + step.cause


def test_a_webhook_address_checking_another_apps_signature_fails(tmp_path, tiktok):
    receiver = WebhookReceiver()
    with webhook_address(receiver) as address:
        outcome = check(backend_settings(tmp_path, tiktok, app_secret="another-apps-secret-01"),
                        webhook_url=address, code=auth_code(tiktok))
    step = outcome.steps["webhook address"]
    assert step.status == FAILED and "answered HTTP 401" in step.detail
    assert "it refused TikTok's signature" in step.cause


def test_a_webhook_address_refusing_connections_fails(tmp_path, tiktok):
    address = f"http://127.0.0.1:{dead_port()}/webhooks/tiktok"
    outcome = check(backend_settings(tmp_path, tiktok), webhook_url=address,
                    code=auth_code(tiktok))
    step = outcome.steps["webhook address"]
    assert step.status == FAILED and "could not deliver (ConnectError)" in step.detail
    assert "TikTok would retry every event" in step.cause


def test_a_webhook_address_not_answering_fails_after_the_timeout(tmp_path, tiktok):
    silent = bound_socket()
    silent.listen()  # connections complete in the backlog; nothing ever answers
    try:
        address = f"http://127.0.0.1:{silent.getsockname()[1]}/webhooks/tiktok"
        outcome = check(backend_settings(tmp_path, tiktok), webhook_url=address,
                        code=auth_code(tiktok),
                        webhook_timeout_s=0.3)
    finally:
        silent.close()
    step = outcome.steps["webhook address"]
    assert step.status == FAILED and "no answer within 0.3 s" in step.detail


def test_a_plain_http_webhook_address_off_this_machine_fails(tmp_path, tiktok):
    outcome = check(backend_settings(tmp_path, tiktok), webhook_url="http://isv.example/hooks",
                    code=auth_code(tiktok))
    step = outcome.steps["webhook address"]
    assert step.status == FAILED and "TikTok delivers only to https addresses" in step.cause


# -- the command, as a developer runs it ------------------------------------------------------


def command_environ(tiktok: Sandbox, redirect_url: str, **overrides) -> dict:
    return {**without_settings(os.environ), **{
        "TIKTOKSHOP_APP_KEY": SANDBOX_APP_KEY, "TIKTOKSHOP_APP_SECRET": SANDBOX_APP_SECRET,
        "TIKTOKSHOP_SERVICE_ID": SANDBOX_SERVICE_ID, "TIKTOKSHOP_REDIRECT_URL": redirect_url,
        "TIKTOKSHOP_ENCRYPTION_KEY": ENCRYPTION_KEY, "TIKTOKSHOP_SESSION_SECRET": SESSION_SECRET,
        "TIKTOKSHOP_WIDGET_TOKEN_PATH": WIDGET_TOKEN_PATH,
        "TIKTOKSHOP_OPEN_API_BASE": tiktok.base + OPEN_API_MOUNT,
        "TIKTOKSHOP_AUTH_BASE": tiktok.base + AUTH_MOUNT,
        "TIKTOKSHOP_AUTHORIZE_URL": tiktok.base + AUTHORIZE_PATH, **overrides}}


@contextmanager
def check_command(workdir, environ: dict, *args: str, stdin: str = ""):
    """``python -m tiktokshop_backend check`` running; its output lines, as they come
    (and in a log the run's leak watch reads)."""
    log_path = watched_log(workdir, environ.get("TIKTOKSHOP_APP_SECRET", ""))
    process = subprocess.Popen([sys.executable, "-m", "tiktokshop_backend", "check", *args],
                               cwd=PROJECT_ROOT, env=environ, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    process.stdin.write(stdin)
    process.stdin.close()
    lines: queue.Queue = queue.Queue()

    def read():
        with open(log_path, "a") as log:
            for line in process.stdout:
                log.write(line)
                lines.put(line.rstrip("\n"))
        lines.put(None)
    threading.Thread(target=read, daemon=True).start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def read_all(lines: queue.Queue) -> list[str]:
    seen = []
    while (line := lines.get(timeout=60)) is not None:
        seen.append(line)
    return seen


def test_the_command_waits_for_the_sellers_authorization_and_exits_0(tmp_path):
    port = bound_socket()
    redirect_url = f"http://127.0.0.1:{port.getsockname()[1]}/auth/tiktok/callback"
    port.close()  # the check binds it; nothing else takes a port this quickly
    with running_sandbox(tmp_path, redirect_url=redirect_url) as tiktok, \
            check_command(tmp_path, command_environ(tiktok, redirect_url), "--wait", "60",
                          "--verbose") \
            as (process, lines):
        seen = []
        while not (line := lines.get(timeout=60)).startswith("Waiting up to 60 s"):
            seen.append(line)
        link = seen[-1].strip()
        assert link.startswith(tiktok.base + AUTHORIZE_PATH + "?service_id=")
        state = parse_qs(urlsplit(link).query)["state"][0]
        # A callback for another authorization is turned away; the check keeps waiting.
        other = httpx.get(redirect_url, params={"code": "x", "state": "another"}, timeout=10)
        assert other.status_code == 400
        # The seller authorizes on TikTok's page; TikTok sends the browser back.
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        back = httpx.get(redirect, timeout=10)
        assert back.status_code == 200 and "The check goes on in the terminal" in back.text
        code = parse_qs(urlsplit(redirect).query)["code"][0]
        seen += read_all(lines)
        assert process.wait(30) == 0, "\n".join(seen)
    text = "\n".join(seen)
    assert "PASSED  token exchange: seller Demo Seller" in text
    assert "PASSED  shops: 1 shop(s): Maple & Co (US, 7495610000000000001)" in text
    assert "8 passed, 0 failed, 1 skipped: the app is ready." in seen
    # --verbose adds the backend's log lines, httpx's requests to the auth host included.
    assert "INFO: httpx2: HTTP Request: GET " + tiktok.base + AUTH_MOUNT in text
    assert code not in text and SANDBOX_APP_SECRET not in text
    assert not SANDBOX_CREDENTIAL.search(text) and not JWT.search(text)


def test_the_command_exits_1_when_a_step_fails(tmp_path, tiktok):
    environ = command_environ(tiktok, REDIRECT_URL, TIKTOKSHOP_APP_SECRET="wrong-secret-000")
    code = auth_code(tiktok)
    with check_command(tmp_path, environ, "--code", code) as (process, lines):
        text = "\n".join(read_all(lines))
        assert process.wait(30) == 1, text
    assert "FAILED  signature" in text
    assert "likely cause: the app secret (TIKTOKSHOP_APP_SECRET) is wrong" in text
    assert "wrong-secret-000" not in text and code not in text


def test_the_command_takes_the_address_the_browser_landed_on_from_standard_input(tmp_path,
                                                                                  tiktok):
    redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state="pasted")["redirect_url"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    with check_command(tmp_path, command_environ(tiktok, REDIRECT_URL), "--code", "-",
                       stdin=redirect + "\n") as (process, lines):
        text = "\n".join(read_all(lines))
        assert process.wait(30) == 0, text
    assert "PASSED  token exchange: seller Demo Seller" in text and code not in text


def test_the_command_refuses_a_code_option_without_a_code(tmp_path, tiktok):
    with check_command(tmp_path, command_environ(tiktok, REDIRECT_URL), "--code",
                       REDIRECT_URL + "?state=only") as (process, lines):
        text = "\n".join(read_all(lines))
        assert process.wait(30) == 2
    assert text == "tiktokshop_backend check: --code has no code in it"


def test_the_command_says_when_the_callback_cannot_come_here(tmp_path, tiktok):
    environ = command_environ(tiktok, "https://app.example/auth/tiktok/callback")
    with check_command(tmp_path, environ) as (process, lines):
        text = "\n".join(read_all(lines))
        assert process.wait(30) == 1, text
    assert "TIKTOKSHOP_REDIRECT_URL is on app.example, not this machine" in text
    assert "run the check again with --code - and paste it" in text
    assert "Authorize link: " + tiktok.base + AUTHORIZE_PATH in text


def test_the_command_stops_on_a_missing_setting_with_one_line(tmp_path, tiktok):
    environ = command_environ(tiktok, REDIRECT_URL)
    del environ["TIKTOKSHOP_WIDGET_TOKEN_PATH"]
    with check_command(tmp_path, environ) as (process, lines):
        text = "\n".join(read_all(lines))
        assert process.wait(30) == 2
    assert text.startswith("tiktokshop_backend") and "\n" not in text
    assert text.endswith(": not set: TIKTOKSHOP_WIDGET_TOKEN_PATH")


def test_ctrl_c_while_waiting_for_the_seller_stops_the_command_in_plain_words(tmp_path):
    port = bound_socket()
    redirect_url = f"http://127.0.0.1:{port.getsockname()[1]}/auth/tiktok/callback"
    port.close()
    with running_sandbox(tmp_path, redirect_url=redirect_url) as tiktok, \
            check_command(tmp_path, command_environ(tiktok, redirect_url)) as (process, lines):
        while not lines.get(timeout=60).startswith("Waiting up to 600 s"):
            pass
        process.send_signal(signal.SIGINT)
        text = "\n".join(read_all(lines))
        assert process.wait(30) == 130
    assert text == "tiktokshop_backend check: interrupted"


def test_two_real_processes_the_standalone_sandbox_with_an_app_of_ones_own_and_the_check(
        tmp_path):
    """As a developer would: ``python -m tiktokshop_sandbox`` for their app, its printed
    settings, and the check, the seller authorizing on the sandbox's page in a "browser"."""
    port = bound_socket()
    redirect_url = f"http://127.0.0.1:{port.getsockname()[1]}/auth/tiktok/callback"
    port.close()
    app_key, secret, service_id = ("isvcheck01", "an-isvs-own-secret-for-the-check",
                                   "7300000000000000777")
    env_file = tmp_path / "backend.env"
    receiver = WebhookReceiver(app_key=app_key, app_secret=secret)
    command = [sys.executable, "-m", "tiktokshop_sandbox", "--port", "0", "--data-dir",
               str(tmp_path / "sandbox"), "--app-key", app_key, "--service-id", service_id,
               "--redirect-url", redirect_url, "--env-file", str(env_file)]
    sandbox_env = {**without_settings(os.environ), "TIKTOKSHOP_SANDBOX_APP_SECRET": secret}
    with webhook_address(receiver) as address, _running(
            command, tmp_path / "sandbox.log", STANDALONE_SERVING, 30, sandbox_env) as (_, url):
        environ = {**without_settings(os.environ), **dict(
            shlex.split(line)[0].split("=", 1) for line in env_file.read_text().splitlines()),
            "TIKTOKSHOP_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "TIKTOKSHOP_SESSION_SECRET": SESSION_SECRET, "TIKTOKSHOP_WEBHOOK_URL": address}
        tiktok = Sandbox(url, None, None)
        subscribe(BackendSettings.from_environ(environ), tiktok, address, shops=(GB_SHOP,))
        with check_command(tmp_path, environ, "--wait", "60") as (process, lines):
            seen = []
            while not (line := lines.get(timeout=60)).startswith("Waiting up to 60 s"):
                seen.append(line)
            link = seen[-1].strip()
            with httpx.Client(timeout=10) as browser:
                page = browser.get(link)
                assert page.status_code == 200 and "Authorize the app" in page.text
                query = parse_qs(urlsplit(link).query)
                back = browser.post(link.split("?")[0], data={
                    "service_id": query["service_id"][0], "state": query["state"][0],
                    "shop_id": GB_SHOP}, follow_redirects=True)
                assert back.status_code == 200 and "goes on in the terminal" in back.text
            seen += read_all(lines)
            assert process.wait(30) == 0, "\n".join(seen)
    text = "\n".join(seen)
    assert f"Checking app {app_key} against {url}/sandbox/open-api" in text
    assert "PASSED  shops: 1 shop(s): Thames Home Goods (GB, 7495610000000000002)" in text
    assert f"PASSED  webhook address: {address} took a signed test delivery" in text
    assert "9 passed, 0 failed, 0 skipped: the app is ready." in seen
    assert secret not in text and not SANDBOX_CREDENTIAL.search(text) and not JWT.search(text)


def without_settings(environ) -> dict:
    """This environment without TIKTOKSHOP_* settings a developer may have exported."""
    return {name: value for name, value in environ.items() if not name.startswith("TIKTOKSHOP_")}
