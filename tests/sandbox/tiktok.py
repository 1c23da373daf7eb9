"""Test helpers that speak to the sandbox the way an ISV backend speaks to TikTok.

    tokens = connect(client, [US_SHOP])                 # authorize + token/get
    response = open_api(client, "GET", SHOPS_PATH, token=tokens["access_token"])

Requests are signed with ``tiktokshop_protocol.sign`` (checked against
open-api.md's known answers in tests/protocol), over the path relative to the
Open API base, as the contract's signing path rule says.
"""

import json
from urllib.parse import parse_qs, urlsplit

from tiktokshop_protocol import ACCESS_TOKEN_HEADER, TOKEN_GET_PATH, sign
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET

from .conftest import NOW, SANDBOX

OPEN_API = SANDBOX + "/open-api"
AUTH = SANDBOX + "/auth"
US_SHOP, GB_SHOP, SG_SHOP = "7495610000000000001", "7495610000000000002", "7495610000000000003"
US_CIPHER, GB_CIPHER = "SANDBOX_US_CIPHER_0001", "SANDBOX_GB_CIPHER_0002"


def open_api(client, method, path, *, token=None, query=None, body=None, raw_body=None,
             timestamp=NOW, app_key=SANDBOX_APP_KEY, secret=SANDBOX_APP_SECRET,
             signed_path=None):
    """A signed Open API call; ``body`` is sent as compact JSON (or ``raw_body`` as is)."""
    params = {"app_key": app_key, "timestamp": str(timestamp), **(query or {})}
    if raw_body is None:
        raw_body = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    params["sign"] = sign(secret, signed_path or path, params, raw_body)
    headers = {"content-type": "application/json"} if raw_body else {}
    if token:
        headers[ACCESS_TOKEN_HEADER] = token
    return client.request(method, OPEN_API + path, params=params, content=raw_body,
                          headers=headers)


def authorize(client, shop_ids, state="st-1") -> dict:
    """What the seller's click on Authorize leads to: the callback's query (code, state)."""
    response = client.post(SANDBOX + "/control/authorize",
                           json={"shop_ids": shop_ids, "state": state})
    assert response.status_code == 200, response.text
    return {name: values[0] for name, values in
            parse_qs(urlsplit(response.json()["redirect_url"]).query).items()}


def token_get(client, code, *, app_secret=SANDBOX_APP_SECRET, grant_type="authorized_code"):
    return client.get(AUTH + TOKEN_GET_PATH, params={
        "app_key": SANDBOX_APP_KEY, "app_secret": app_secret, "auth_code": code,
        "grant_type": grant_type})


def connect(client, shop_ids) -> dict:
    """Authorize ``shop_ids`` and exchange the code: the token reply's data."""
    response = token_get(client, authorize(client, shop_ids)["code"])
    assert response.status_code == 200, response.text
    return response.json()["data"]


def success(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0 and body["request_id"], body
    return body["data"]


def refused(response, status, code) -> str:
    """Assert a TikTok-shaped error; its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["data"] is None and body["request_id"], body
    assert body["message"]
    return body["message"]
