"""``python -m tiktokshop_sandbox``: the sandbox as its own process, with the app of the
ISV's choosing, and the real backend (``python -m tiktokshop_backend``) pointed at it by
the settings it prints, as a developer tests their own backend locally."""

import json
import os
import re
import shlex
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from cryptography.fernet import Fernet

from testsupport.leaks import WATCH
from testsupport.servers import PROJECT_ROOT, _running, run_backend
from tiktokshop_protocol import verify_webhook
from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH, TOKEN_PATH

from .tiktok import GB_SHOP, US_SHOP
from .webhook_receiver import receiving

SERVING = re.compile(r"Serving the TikTok Shop sandbox at (http://\S+?)/sandbox/")
APP_KEY, SERVICE_ID = "isvapp2026", "7300000000000000999"
APP_SECRET = "the-isvs-own-secret-0123456789"
REDIRECT_URL = "http://isv.test/auth/tiktok/callback"


@contextmanager
def run_sandbox(workdir: Path, *args: str, environ=None):
    """``python -m tiktokshop_sandbox --port 0`` in ``workdir``; its URL and its output."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "sandbox.log"
    WATCH.watch_log(log_path, workdir / "data", [APP_SECRET])
    command = [sys.executable, "-m", "tiktokshop_sandbox", "--port", "0",
               "--data-dir", str(workdir / "data"), *args]
    with _running(command, log_path, SERVING, 30, {**_environ(), **(environ or {})}) as (_, url):
        yield url, log_path


def _environ() -> dict:
    """This environment without TIKTOKSHOP_* settings a developer may have exported."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith("TIKTOKSHOP_")}


def printed_settings(log_path: Path) -> dict:
    return {name: shlex.split(value)[0] if value else "" for name, value in re.findall(
        r"^(TIKTOKSHOP_[A-Z_]+)=(.*)$", log_path.read_text(), re.MULTILINE)}


def test_a_seller_connects_through_the_sandbox_to_the_real_backend(tmp_path):
    with receiving() as receiver, run_sandbox(
            tmp_path / "tiktok", "--app-key", APP_KEY, "--service-id", SERVICE_ID,
            "--redirect-url", REDIRECT_URL, "--webhook-url", receiver.address,
            "--env-file", str(tmp_path / "backend.env"),
            environ={"TIKTOKSHOP_SANDBOX_APP_SECRET": APP_SECRET}) as (tiktok, log_path):
        printed = printed_settings(log_path)
        assert printed == {
            "TIKTOKSHOP_APP_KEY": APP_KEY,
            "TIKTOKSHOP_APP_SECRET": "$TIKTOKSHOP_SANDBOX_APP_SECRET",  # never the secret
            "TIKTOKSHOP_SERVICE_ID": SERVICE_ID,
            "TIKTOKSHOP_REDIRECT_URL": REDIRECT_URL,
            "TIKTOKSHOP_OPEN_API_BASE": tiktok + "/sandbox/open-api",
            "TIKTOKSHOP_AUTH_BASE": tiktok + "/sandbox/auth",
            "TIKTOKSHOP_AUTHORIZE_URL": tiktok + "/sandbox/services/open/authorize",
            "TIKTOKSHOP_WIDGET_TOKEN_PATH": "/widget/202309/access_token",
            "TIKTOKSHOP_WEBHOOK_URL": receiver.address}
        env_file = tmp_path / "backend.env"
        assert env_file.stat().st_mode & 0o777 == 0o600
        settings = dict(shlex.split(line)[0].split("=", 1)
                        for line in env_file.read_text().splitlines())
        assert settings == {**printed, "TIKTOKSHOP_APP_SECRET": APP_SECRET}

        backend_env = {**settings, "TIKTOKSHOP_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                       "TIKTOKSHOP_SESSION_SECRET": "standalone-test-session-secret-" + "y" * 8,
                       "TIKTOKSHOP_DB_PATH": str(tmp_path / "backend.sqlite3"), "REDIS_URL": ""}
        with run_backend(tmp_path / "backend", backend_env) as backend, \
                httpx.Client(timeout=10) as browser:
            # Connect: the backend sends the seller to the sandbox's authorize page...
            start = browser.get(backend.url + "/auth/tiktok/start")
            assert start.status_code == 302
            authorize = httpx.URL(start.headers["location"])
            assert str(authorize).startswith(settings["TIKTOKSHOP_AUTHORIZE_URL"] + "?")
            assert authorize.params["service_id"] == SERVICE_ID
            page = browser.get(authorize)
            assert page.status_code == 200 and f'value="{US_SHOP}"' in page.text
            # ...the seller picks two shops and clicks Authorize...
            clicked = browser.post(authorize.copy_with(query=None), data={
                "service_id": SERVICE_ID, "state": authorize.params["state"],
                "shop_id": [US_SHOP, GB_SHOP]})
            assert clicked.status_code == 302
            back = urlsplit(clicked.headers["location"])
            assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT_URL
            # ...and TikTok sends them back to the registered redirect: the backend.
            callback = browser.get(backend.url + "/auth/tiktok/callback?" + back.query)
            assert callback.status_code == 302, callback.text
            browser.cookies = callback.cookies

            token = browser.get(backend.url + TOKEN_PATH,
                                params={"outer_shop_id": US_SHOP, "partner_type": "1"})
            assert token.status_code == 200, token.text
            assert token.json()["code"] == 0 and token.json()["data"]["token"].startswith("eyJ")

            summary = browser.get(backend.url + RETURNS_SUMMARY_PATH,
                                  params={"outer_shop_id": US_SHOP})
            assert summary.status_code == 200, summary.text
            awaiting = summary.json()["data"]["awaiting"]
            assert awaiting > 0

            added = httpx.post(tiktok + "/sandbox/control/returns", json={"shop_id": US_SHOP})
            assert added.status_code == 200
            fresh = browser.get(backend.url + RETURNS_SUMMARY_PATH,
                                params={"outer_shop_id": US_SHOP, "fresh": "1"})
            assert fresh.json()["data"]["awaiting"] == awaiting + 1

            # The new request's webhook went to the app's address, signed with its secret.
            received = receiver.next()
            assert verify_webhook(APP_KEY, APP_SECRET, received.body,
                                  received.headers["authorization"])
            assert json.loads(received.body)["data"]["return_id"] == \
                added.json()["return_order"]["return_id"]

        log = log_path.read_text()
        assert "/sandbox/auth/api/v2/token/get?" in log  # the access log, credentials masked
        assert APP_SECRET not in log and "app_secret=***" in log
        assert authorize.params["state"] not in log and "&state=***" in log


def test_help_lists_every_option_and_its_variable():
    shown = subprocess.run([sys.executable, "-m", "tiktokshop_sandbox", "--help"],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    for option in ("--port", "--host", "--data-dir", "--app-key", "--service-id",
                   "--redirect-url", "--webhook-url", "--public-url", "--env-file", "--reset"):
        assert option in shown
    assert "TIKTOKSHOP_SANDBOX_<OPTION>" in shown and "TIKTOKSHOP_SANDBOX_APP_SECRET" in shown


@pytest.mark.parametrize("args, environ, says", [
    (["--webhook-url", "http://isv.example/hooks"], {}, "must be https://"),
    (["--redirect-url", "isv.example"], {}, "is not an http(s) URL"),
    ([], {"TIKTOKSHOP_SANDBOX_PORT": "eighty"}, "TIKTOKSHOP_SANDBOX_PORT: 'eighty' is not a port"),
    ([], {"TIKTOKSHOP_SANDBOX_APP_SECRET": "short"}, "TIKTOKSHOP_SANDBOX_APP_SECRET must be at least"),
])
def test_a_bad_setting_stops_it_with_one_line(tmp_path, args, environ, says):
    result = subprocess.run([sys.executable, "-m", "tiktokshop_sandbox", "--port", "0",
                             "--data-dir", str(tmp_path), *args], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={**_environ(), **environ})
    assert result.returncode == 2
    assert says in result.stderr.splitlines()[-1] and "Traceback" not in result.stderr
