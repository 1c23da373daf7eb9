"""The sandbox as the dev server mounts it: under /sandbox, controls on, and TikTok's
credential-carrying URLs masked in serve.py's access log."""

from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx

from tiktokshop_protocol import SHOPS_PATH, TOKEN_GET_PATH, sign
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET


def test_a_backend_connects_through_the_mounted_sandbox_and_nothing_secret_is_logged(server):
    with httpx.Client(base_url=server.url) as client:
        redirect = client.post("/sandbox/control/authorize", json={
            "shop_ids": ["7495610000000000003"], "state": "s"}).json()["redirect_url"]
        assert urlsplit(redirect).path == "/auth/tiktok/callback"
        code = parse_qs(urlsplit(redirect).query)["code"][0]
        tokens = client.get("/sandbox/auth" + TOKEN_GET_PATH, params={
            "app_key": SANDBOX_APP_KEY, "app_secret": SANDBOX_APP_SECRET, "auth_code": code,
            "grant_type": "authorized_code"}).json()["data"]
        now = client.post("/sandbox/control/clock", json={"advance": 0}).json()["now"]
        query = {"app_key": SANDBOX_APP_KEY, "timestamp": str(int(now))}
        query["sign"] = sign(SANDBOX_APP_SECRET, SHOPS_PATH, query, b"")
        shops = client.get("/sandbox/open-api" + SHOPS_PATH, params=query,
                           headers={"x-tts-access-token": tokens["access_token"]})

    # The demo seller's shops: the two the dev server connected at first start, and this one.
    assert [shop["id"] for shop in shops.json()["data"]["shops"]] == [
        "7495610000000000001", "7495610000000000002", "7495610000000000003"]
    log = server.log_text()
    assert "/sandbox/auth/api/v2/token/get?" in log and "app_secret=***" in log
    for secret in (SANDBOX_APP_SECRET, code, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in log
