"""README's "Mount it in your FastAPI (or Starlette) app" snippet, run verbatim: taken out
of README.md (not copied here), served by a real uvicorn process with the settings a real
``python -m tiktokshop_sandbox`` prints, and a seller connected through it.

The test plays the ISV's parts the snippet leaves to them: its user store
(``my_app.users``, which the snippet imports) and its sign-in, as a session cookie
signed the way Starlette's SessionMiddleware signs it with the app's secret."""

import json
import os
import re
import sys
import textwrap
from base64 import b64encode
from urllib.parse import urlsplit

import httpx2 as httpx
import itsdangerous
from cryptography.fernet import Fernet

from testsupport.leaks import WATCH
from testsupport.servers import PROJECT_ROOT, _running
from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH, SELLER_PATH, TOKEN_PATH

from ..sandbox.test_standalone import _environ, printed_settings, run_sandbox
from ..sandbox.tiktok import US_SHOP

STEP = "4. **Mount it in your FastAPI (or Starlette) app**"
MOUNT = "/tiktok"
APP_KEY, SERVICE_ID = "readmeapp01", "7300000000000000777"
APP_SECRET = "the-readme-apps-secret-0123456789"
REDIRECT_URL = "http://isv.test" + MOUNT + "/auth/tiktok/callback"
APP_SESSION_SECRET = "readme-app-session-secret-" + "r" * 16
UVICORN_RUNNING = re.compile(r"Uvicorn running on (http://\S+)")

# The ISV's own user store: what the snippet's hooks call, kept in a JSON file so the
# test can see what the app recorded.
MY_USERS = '''
import json
from pathlib import Path
from types import SimpleNamespace

FILE = Path("users.json")


class Users:
    def _all(self):
        return json.loads(FILE.read_text())

    async def get(self, name):
        user = self._all().get(name) if name else None
        return SimpleNamespace(**user) if user else None

    async def link(self, name, open_id, seller_name):
        users = self._all()
        users[name].update(tiktok_open_id=open_id, tiktok_seller=seller_name,
                           tiktok_connected=True)
        FILE.write_text(json.dumps(users))

    async def mark_lapsed(self, open_id):
        users = self._all()
        for user in users.values():
            if user["tiktok_open_id"] == open_id:
                user["tiktok_connected"] = False
        FILE.write_text(json.dumps(users))


my_users = Users()
'''


def readme_snippet() -> str:
    """The fenced python block right under step 4 of "Going live with TikTok"."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    step = readme.index(STEP)
    fence = re.compile(r"^( *)```python\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)
    block = fence.search(readme, step)
    assert block and "\n5. " not in readme[step:block.start()], "no python block in step 4"
    return textwrap.dedent(block.group(2))


def signed_in_as(name: str) -> str:
    """The app's session cookie after its sign-in, as SessionMiddleware signs it."""
    data = b64encode(json.dumps({"user": name}).encode())
    return itsdangerous.TimestampSigner(APP_SESSION_SECRET).sign(data).decode()


def test_the_readme_fastapi_snippet_connects_a_seller_under_uvicorn(tmp_path):
    snippet = readme_snippet()
    assert "create_app(" in snippet and f'app.mount("{MOUNT}", tiktok)' in snippet
    isv = tmp_path / "isv"
    (isv / "my_app").mkdir(parents=True)
    (isv / "readme_app.py").write_text(snippet)
    (isv / "my_app" / "__init__.py").write_text("")
    (isv / "my_app" / "users.py").write_text(MY_USERS)
    (isv / "users.json").write_text(json.dumps({"alice": {
        "tiktok_open_id": None, "tiktok_seller": None, "tiktok_connected": False}}))

    with run_sandbox(tmp_path / "tiktok", "--app-key", APP_KEY, "--service-id", SERVICE_ID,
                     "--redirect-url", REDIRECT_URL,
                     environ={"TIKTOKSHOP_SANDBOX_APP_SECRET": APP_SECRET}) as (tiktok, sandbox_log):
        printed = printed_settings(sandbox_log)
        assert printed["TIKTOKSHOP_APP_SECRET"] == "$TIKTOKSHOP_SANDBOX_APP_SECRET"
        # What a shell makes of the printed lines, with the secret exported as the sandbox's.
        settings = {**printed, "TIKTOKSHOP_APP_SECRET": APP_SECRET}
        assert settings["TIKTOKSHOP_OPEN_API_BASE"] == tiktok + "/sandbox/open-api"
        environ = {**_environ(), **settings,
                   "TIKTOKSHOP_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                   "TIKTOKSHOP_SESSION_SECRET": "readme-backend-session-secret-" + "b" * 8,
                   "TIKTOKSHOP_DB_PATH": str(isv / "backend.sqlite3"), "REDIS_URL": "",
                   "MY_APP_SESSION_SECRET": APP_SESSION_SECRET,
                   "PYTHONPATH": os.pathsep.join(filter(None, [
                       str(isv), os.environ.get("PYTHONPATH")]))}
        log_path = isv / "uvicorn.log"
        WATCH.watch_log(log_path, isv, [APP_SECRET, environ["TIKTOKSHOP_ENCRYPTION_KEY"],
                                        environ["TIKTOKSHOP_SESSION_SECRET"]])
        command = [sys.executable, "-m", "uvicorn", "readme_app:app",
                   "--host", "127.0.0.1", "--port", "0"]
        with _running(command, log_path, UVICORN_RUNNING, 30, environ, cwd=isv) as (_, url), \
                httpx.Client(base_url=url + MOUNT, timeout=10) as browser:
            browser.cookies.set("session", signed_in_as("alice"))
            before = browser.get(SELLER_PATH)  # alice has no TikTok seller yet
            assert before.status_code == 401, before.text

            # Connect: the mounted backend sends alice to the sandbox's authorize page...
            start = browser.get("/auth/tiktok/start")
            assert start.status_code == 302, start.text
            authorize = httpx.URL(start.headers["location"])
            assert str(authorize).startswith(settings["TIKTOKSHOP_AUTHORIZE_URL"] + "?")
            page = browser.get(authorize)
            assert page.status_code == 200 and f'value="{US_SHOP}"' in page.text
            # ...she picks the shop and clicks Authorize...
            clicked = browser.post(authorize.copy_with(query=None), data={
                "service_id": SERVICE_ID, "state": authorize.params["state"],
                "shop_id": [US_SHOP]})
            assert clicked.status_code == 302, clicked.text
            back = urlsplit(clicked.headers["location"])
            assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT_URL
            # ...and TikTok sends her back to the app's callback, under the mount.
            callback = browser.get("/auth/tiktok/callback?" + back.query)
            assert callback.status_code == 302, callback.text

            # The snippet's on_seller_connected linked the seller to alice, and its
            # seller_hook now names her seller from the app's own session.
            alice = json.loads((isv / "users.json").read_text())["alice"]
            assert alice["tiktok_connected"] and alice["tiktok_open_id"]
            browser.cookies.delete("seller_session")  # the hook alone names the seller
            seller = browser.get(SELLER_PATH)
            assert seller.status_code == 200, seller.text
            assert US_SHOP in [shop["id"] for shop in seller.json()["data"]["shops"]]

            token = browser.get(TOKEN_PATH, params={"outer_shop_id": US_SHOP,
                                                    "partner_type": "1"})
            assert token.status_code == 200, token.text
            assert token.json()["code"] == 0 and token.json()["data"]["token"].startswith("eyJ")

            summary = browser.get(RETURNS_SUMMARY_PATH, params={"outer_shop_id": US_SHOP})
            assert summary.status_code == 200, summary.text
            assert summary.json()["data"]["awaiting"] > 0

            # Another user of the app, not linked to any seller, gets no token.
            browser.cookies.clear()
            browser.cookies.set("session", signed_in_as("bob"))
            refused = browser.get(TOKEN_PATH, params={"outer_shop_id": US_SHOP,
                                                      "partner_type": "1"})
            assert refused.status_code == 401, refused.text

        log = log_path.read_text()
        assert "GET /tiktok/api/v1/widget/access_token?" in log  # uvicorn served it
        assert "Traceback" not in log
