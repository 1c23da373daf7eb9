"""The backend's Open API requests, checked by a signature computation written here from
open-api.md alone (not tiktokshop_protocol's), on what actually went over the wire."""

import hashlib
import hmac

import httpx2 as httpx

from tiktokshop_protocol import SHOPS_PATH
from tiktokshop_sandbox import OPEN_API_MOUNT, SANDBOX_APP_SECRET, WIDGET_TOKEN_PATH
from tiktokshop_widgets.backend import TOKEN_PATH

from .conftest import US_SHOP, connect


def expected_sign(secret: str, path: str, query: dict, body: bytes) -> str:
    """open-api.md: secret + path + sorted(name + value, except sign and access_token)
    + body + secret, HMAC-SHA256 keyed with the secret, lowercase hex."""
    pairs = "".join(k + query[k] for k in sorted(query) if k not in ("sign", "access_token"))
    message = (secret + path + pairs).encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_open_api_requests_carry_a_sign_over_the_path_relative_to_the_base(make_backend,
                                                                           tiktok):
    sent = []

    async def keep(request):
        if OPEN_API_MOUNT in request.url.path:
            sent.append(request)

    client = make_backend({"http": httpx.AsyncClient(event_hooks={"request": [keep]})})
    connect(client, tiktok)
    assert client.get(TOKEN_PATH, params={"outer_shop_id": US_SHOP,
                                          "partner_type": "1"}).status_code == 200

    paths = [request.url.path.split(OPEN_API_MOUNT, 1)[1] for request in sent]
    assert paths == [SHOPS_PATH, WIDGET_TOKEN_PATH]
    for request, path in zip(sent, paths):
        query = dict(request.url.params)
        assert set(query) >= {"app_key", "timestamp", "sign"}
        assert query["timestamp"] == str(int(tiktok.clock.now()))
        assert query["sign"] == expected_sign(SANDBOX_APP_SECRET, path, query, request.content)
        assert request.headers["x-tts-access-token"]
    assert "shop_cipher" in dict(sent[1].url.params)
