"""The ISV example (examples/fastapi_app): a FastAPI app with its own sign-in and user
table, the backend mounted at /tiktok, each user linked to the TikTok seller they
connected; in-process, and under uvicorn as an ISV would run it, its access log read."""

import re
import sys
from dataclasses import fields
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from examples.fastapi_app.app import create_isv_app
from testsupport.leaks import WATCH, sandbox_credentials_db
from testsupport.servers import _running
from tiktokshop_backend import ENVIRONMENT_NAMES
from tiktokshop_sandbox import DEMO_SELLER, Clock, SandboxSettings
from tiktokshop_widgets.backend import NOT_CONNECTED, SELLER_PATH, TOKEN_PATH

from .conftest import GB_SHOP, OWN_ORIGIN, US_SHOP, another_browser, backend_settings

DAY = 86_400
MOUNT = "/tiktok"
CALLBACK = MOUNT + "/auth/tiktok/callback"
ISV_SESSION_SECRET = "isv-example-session-secret-" + "i" * 16
QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}
UVICORN_RUNNING = re.compile(r"Uvicorn running on (http://\S+)")


@pytest.fixture
def clock():
    return Clock()  # wall time: the example under uvicorn signs with it, and TikTok checks


@pytest.fixture
def sandbox_settings(tmp_path):
    return SandboxSettings(data_dir=tmp_path / "sandbox", controls=True,
                           redirect_url=OWN_ORIGIN + CALLBACK)


@pytest.fixture
def isv(tmp_path, tiktok):
    settings = backend_settings(tmp_path, tiktok, redirect_url=OWN_ORIGIN + CALLBACK)
    app = create_isv_app(settings, session_secret=ISV_SESSION_SECRET,
                         db_path=tmp_path / "isv.sqlite3", clock=tiktok.clock)
    with TestClient(app, base_url=OWN_ORIGIN) as browser:
        for name in ("alice", "bob"):
            assert browser.post("/signup", json={"name": name, "password": name * 4}
                                ).status_code == 201
        yield browser


def sign_in(browser, name):
    response = browser.post("/signin", json={"name": name, "password": name * 4})
    assert response.status_code == 200, response.text


def connect_tiktok(browser, tiktok, shops=(US_SHOP, GB_SHOP)):
    """Connect your TikTok Shop: the mounted backend's start, TikTok's authorize, back."""
    start = browser.get(MOUNT + "/auth/tiktok/start", follow_redirects=False)
    state = dict(part.split("=", 1) for part in urlsplit(start.headers["location"]).query
                 .split("&"))["state"]
    redirect = tiktok.control("authorize", shop_ids=list(shops), state=state)["redirect_url"]
    return browser.get(CALLBACK + "?" + urlsplit(redirect).query, follow_redirects=False)


def test_a_user_connects_their_seller_and_stays_signed_in(isv, tiktok):
    sign_in(isv, "alice")
    before = isv.get(MOUNT + SELLER_PATH)
    assert before.status_code == 401 and before.json()["code"] == NOT_CONNECTED
    assert before.json()["data"]["connect_url"] == MOUNT + "/auth/tiktok/start"
    assert isv.get("/me").json()["tiktok"] is None

    back = connect_tiktok(isv, tiktok)

    assert back.status_code == 302 and back.headers["location"] == "/"
    me = isv.get("/me").json()  # still alice: the backend's session is not the app's
    assert me["user"] == "alice"
    assert me["tiktok"] == {"open_id": DEMO_SELLER.open_id, "seller_name": "Demo Seller",
                            "connected": True}
    seller = isv.get(MOUNT + SELLER_PATH).json()["data"]
    assert [shop["id"] for shop in seller["shops"]] == [US_SHOP, GB_SHOP]
    assert isv.get(MOUNT + TOKEN_PATH, params=QUERY).status_code == 200


def test_the_seller_follows_the_users_login_not_the_browser(isv, tiktok):
    sign_in(isv, "alice")
    connect_tiktok(isv, tiktok)

    bobs_browser = another_browser(isv)
    sign_in(bobs_browser, "bob")
    assert bobs_browser.get(MOUNT + TOKEN_PATH, params=QUERY).json()["code"] == NOT_CONNECTED
    # Alice on a browser that never went through Connect (no backend cookie): her login
    # is enough, through the seller hook.
    alices_phone = another_browser(isv)
    sign_in(alices_phone, "alice")
    assert alices_phone.get(MOUNT + TOKEN_PATH, params=QUERY).status_code == 200

    isv.post("/signout")  # the backend's own cookie is still there: no matter
    assert isv.get(MOUNT + TOKEN_PATH, params=QUERY).json()["code"] == NOT_CONNECTED


def test_a_lapsed_connection_is_marked_in_the_users_row(isv, tiktok):
    sign_in(isv, "alice")
    connect_tiktok(isv, tiktok)
    tiktok.control("revoke", all=True)  # the seller removed the app on TikTok's side
    tiktok.clock.advance(7 * DAY)  # and the access token ran out: the refresh is refused

    refused = isv.get(MOUNT + TOKEN_PATH, params=QUERY)
    assert refused.status_code == 401
    assert isv.get("/me").json()["tiktok"]["connected"] is False
    assert isv.get(MOUNT + SELLER_PATH).json()["code"] == NOT_CONNECTED  # the hook: no seller

    assert connect_tiktok(isv, tiktok).status_code == 302  # Connect again
    assert isv.get("/me").json()["tiktok"]["connected"] is True
    assert isv.get(MOUNT + TOKEN_PATH, params=QUERY).status_code == 200


def test_connecting_while_signed_out_links_nobody(isv, tiktok):
    back = connect_tiktok(isv, tiktok)
    assert back.status_code == 302 and back.headers["location"] == "/?signin-to-connect"
    sign_in(isv, "alice")
    assert isv.get("/me").json()["tiktok"] is None


def test_wrong_passwords_and_taken_names_are_refused(isv):
    assert isv.post("/signin", json={"name": "alice", "password": "x" * 8}).status_code == 401
    assert isv.post("/signin", json={"name": "nobody", "password": "x" * 8}).status_code == 401
    assert isv.post("/signup", json={"name": "alice", "password": "y" * 8}).status_code == 409
    assert isv.get("/me").status_code == 401


def example_environ(tmp_path, tiktok) -> dict:
    settings = backend_settings(tmp_path, tiktok, redirect_url="http://127.0.0.1" + CALLBACK)
    variables = {variable: str(getattr(settings, spec.name))
                 for spec, variable in zip(fields(settings), ENVIRONMENT_NAMES)
                 if getattr(settings, spec.name) not in (None, ())}
    return {**variables, "ISV_SESSION_SECRET": ISV_SESSION_SECRET,
            "ISV_DB_PATH": str(tmp_path / "isv.sqlite3")}


def test_under_uvicorn_the_access_log_has_no_oauth_code_or_state(tmp_path, tiktok):
    """The example as an ISV runs it: ``uvicorn --factory``, uvicorn's own logging."""
    import os

    log_path = tmp_path / "isv.log"
    environ = example_environ(tmp_path, tiktok)
    WATCH.watch_log(log_path, tmp_path, [ISV_SESSION_SECRET, environ["TIKTOKSHOP_APP_SECRET"],
                                         environ["TIKTOKSHOP_SESSION_SECRET"]],
                    credentials_db=sandbox_credentials_db(tiktok.settings.data_dir))
    command = [sys.executable, "-m", "uvicorn", "--factory", "examples.fastapi_app.app:from_environ",
               "--port", "0"]
    with _running(command, log_path, UVICORN_RUNNING, 30, {**os.environ, **environ}) as (_, url), \
            httpx.Client(base_url=url, timeout=10) as browser:
        browser.post("/signup", json={"name": "alice", "password": "alice" * 4})
        browser.post("/signin", json={"name": "alice", "password": "alice" * 4})
        start = browser.get(MOUNT + "/auth/tiktok/start")
        state = dict(part.split("=", 1) for part in urlsplit(start.headers["location"]).query
                     .split("&"))["state"]
        redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
        code = dict(part.split("=", 1) for part in urlsplit(redirect).query.split("&"))["code"]
        back = browser.get(CALLBACK + "?" + urlsplit(redirect).query)
        assert back.status_code == 302, back.text
        assert browser.get(MOUNT + TOKEN_PATH, params=QUERY).status_code == 200
        log = log_path.read_text()

    assert f'"GET {CALLBACK}?code=***&state=*** HTTP/1.1" 302' in log
    assert code not in log and state not in log
    assert f"GET {MOUNT}{TOKEN_PATH}?outer_shop_id={US_SHOP}&partner_type=1" in log  # it logs
