"""Webhook subscriptions: with TIKTOKSHOP_WEBHOOK_URL every connected shop is subscribed to
the events the app handles, through the sandbox's Event API (GET, then PUT what is missing)."""

import asyncio

import httpx2 as httpx

from tiktokshop_protocol import ACCESS_TOKEN_HEADER, WEBHOOKS_PATH, sign
from tiktokshop_sandbox import OPEN_API_MOUNT, SANDBOX_APP_KEY, SANDBOX_APP_SECRET

from .conftest import GB_SHOP, US_SHOP, connect

HOOK = "https://isv.example/webhooks/tiktok"
HANDLED = {"RETURN_STATUS_CHANGE", "SELLER_DEAUTHORIZATION", "UPCOMING_AUTHORIZATION_EXPIRATION"}


class MethodLog:
    """An httpx client for the backend noting (method, path) of every request it sends."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []

    def client(self) -> httpx.AsyncClient:
        async def note(request):
            self.requests.append((request.method, request.url.path))
        return httpx.AsyncClient(event_hooks={"request": [note]})

    def count(self, method: str) -> int:
        return sum(1 for sent, path in self.requests if sent == method
                   and path.endswith(WEBHOOKS_PATH))


def event_api(client, tiktok, shop_id: str, method: str = "GET", body: bytes = b"") -> dict:
    """The Event API asked directly, as TikTok's own console would show the shop's webhooks."""
    store = client.app.state.backend.store
    (open_id,) = client.portal.call(store.sellers)
    cipher = next(shop.cipher for shop in client.portal.call(store.shops, open_id)
                  if shop.id == shop_id)
    access_token = client.portal.call(store.seller, open_id).access_token
    query = {"app_key": SANDBOX_APP_KEY, "timestamp": str(int(tiktok.clock.now())),
             "shop_cipher": cipher}
    query["sign"] = sign(SANDBOX_APP_SECRET, WEBHOOKS_PATH, query, body)
    reply = httpx.request(method, tiktok.base + OPEN_API_MOUNT + WEBHOOKS_PATH, params=query,
                          content=body or None, headers={
                              ACCESS_TOKEN_HEADER: access_token,
                              **({"content-type": "application/json"} if body else {})})
    assert reply.json()["code"] == 0, reply.text
    return reply.json()["data"]


def subscribed(client, tiktok, shop_id: str) -> dict[str, str]:
    return {hook["event_type"]: hook["address"]
            for hook in event_api(client, tiktok, shop_id)["webhooks"]}


def started(client) -> None:
    """Wait for the app's start-up work (the lifespan started it) to finish."""
    async def wait():
        await asyncio.gather(*client.app.state.backend.background)
    client.portal.call(wait)


def test_a_seller_who_connects_has_each_shop_subscribed(make_backend, tiktok):
    backend = make_backend(webhook_url=HOOK)
    connect(backend, tiktok)
    for shop in (US_SHOP, GB_SHOP):
        assert subscribed(backend, tiktok, shop) == dict.fromkeys(HANDLED, HOOK)


def test_only_what_is_missing_or_points_elsewhere_is_put(make_backend, tiktok):
    log = MethodLog()
    backend = make_backend({"http": log.client()}, webhook_url=HOOK)
    connect(backend, tiktok)
    assert log.count("PUT") == 2 * len(HANDLED)
    event_api(backend, tiktok, US_SHOP, "PUT",
              b'{"address":"https://old.example/hook","event_type":"RETURN_STATUS_CHANGE"}')
    event_api(backend, tiktok, US_SHOP, "DELETE", b'{"event_type":"SELLER_DEAUTHORIZATION"}')
    puts = log.count("PUT")
    connect(backend, tiktok)  # connecting again checks again
    assert log.count("PUT") == puts + 2
    assert subscribed(backend, tiktok, US_SHOP) == dict.fromkeys(HANDLED, HOOK)


def test_without_a_webhook_url_nothing_is_subscribed_and_the_log_says_so(make_backend, tiktok,
                                                                        logs):
    backend = make_backend()
    started(backend)
    connect(backend, tiktok)
    assert subscribed(backend, tiktok, US_SHOP) == {}
    said = [r.getMessage() for r in logs.records if "TIKTOKSHOP_WEBHOOK_URL" in r.getMessage()]
    assert len(said) == 1 and "poll" in said[0]


def test_known_shops_are_checked_at_start(make_backend, tiktok):
    before = make_backend()
    connect(before, tiktok)
    assert subscribed(before, tiktok, GB_SHOP) == {}
    after = make_backend(webhook_url=HOOK)  # the same database, now with a webhook URL
    started(after)
    for shop in (US_SHOP, GB_SHOP):
        assert subscribed(after, tiktok, shop) == dict.fromkeys(HANDLED, HOOK)


def test_tiktok_down_while_subscribing_is_logged_not_raised(make_backend, tiktok, logs):
    backend = make_backend(webhook_url=HOOK)
    connect(backend, tiktok)
    event_api(backend, tiktok, US_SHOP, "DELETE", b'{"event_type":"RETURN_STATUS_CHANGE"}')
    tiktok.control("faults", target="open_api", status=503, count=100)
    services = backend.app.state.backend
    (open_id,) = backend.portal.call(services.store.sellers)
    backend.portal.call(services.subscriptions.ensure_shops, open_id)
    assert "could not subscribe shop %s to webhooks" % US_SHOP in logs.text
