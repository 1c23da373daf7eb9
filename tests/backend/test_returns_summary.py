"""GET /api/v1/returns/summary: how many return requests wait for the seller and when the
first is due, from TikTok's (the sandbox's) Return API, cached per shop for a while."""

import json
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx

from tiktokshop_protocol import ACCESS_TOKEN_HEADER, RETURNS_SEARCH_PATH, sign
from tiktokshop_sandbox import OPEN_API_MOUNT, SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from tiktokshop_widgets.backend import RETURNS_SUMMARY_PATH as SUMMARY_PATH

from .conftest import GB_SHOP, US_SHOP, RequestLog, connect, store_other_seller

DAY = 86_400


def awaiting_in_sandbox(client, tiktok, shop_id) -> list[tuple[int, str, int]]:
    """(earliest deadline, return_id, create_time) of every return waiting for the seller,
    asked of the sandbox directly, every page."""
    services = client.app.state.backend
    (open_id,) = client.portal.call(services.store.sellers)
    token = client.portal.call(services.store.seller, open_id).access_token
    cipher = next(s.cipher for s in client.portal.call(services.store.shops, open_id)
                  if s.id == shop_id)
    deadlines, page_token = [], ""
    while True:
        query = {"app_key": SANDBOX_APP_KEY, "timestamp": str(int(tiktok.clock.now())),
                 "shop_cipher": cipher, "page_size": "20",
                 **({"page_token": page_token} if page_token else {})}
        query["sign"] = sign(SANDBOX_APP_SECRET, RETURNS_SEARCH_PATH, query, b"{}")
        data = httpx.post(tiktok.base + OPEN_API_MOUNT + RETURNS_SEARCH_PATH, params=query,
                          content=b"{}", headers={ACCESS_TOKEN_HEADER: token,
                                                  "content-type": "application/json"}).json()
        for order in data["data"]["return_orders"]:
            actions = [a for a in order.get("seller_next_action_response") or [] if a["action"]]
            if actions:
                deadlines.append((min(int(a["deadline"]) for a in actions),
                                  order["return_id"], int(order["create_time"])))
        page_token = data["data"].get("next_page_token")
        if not page_token:
            return deadlines


def summary(client, shop=US_SHOP, **extra):
    response = client.get(SUMMARY_PATH, params={"outer_shop_id": shop, **extra})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()["data"]


def test_the_summary_counts_what_waits_and_when_the_first_is_due(backend, tiktok):
    connect(backend, tiktok)
    waiting = awaiting_in_sandbox(backend, tiktok, US_SHOP)
    now = int(tiktok.clock.now())
    assert waiting  # the seed always has requests waiting
    first_deadline, first_return_id, _ = min(waiting)
    assert summary(backend) == {
        "awaiting": len(waiting),
        "due_within_24h": sum(1 for deadline, _, _ in waiting if deadline <= now + DAY),
        "next_deadline": first_deadline,
        "next_deadline_return_id": first_return_id,
        "newest_request_at": max(created for _, _, created in waiting),
        "checked_at": now,
    }


def test_a_summary_is_reused_for_a_while_unless_asked_fresh(backend, tiktok):
    connect(backend, tiktok)
    first = summary(backend)
    tiktok.control("returns", shop_id=US_SHOP)
    assert summary(backend) == first  # cached
    assert summary(backend, fresh="1")["awaiting"] == first["awaiting"] + 1
    tiktok.control("returns", shop_id=US_SHOP)
    tiktok.clock.advance(61)
    assert summary(backend)["awaiting"] == first["awaiting"] + 2


def test_one_search_in_flight_per_shop(make_backend, tiktok):
    requests = RequestLog()
    client = make_backend({"http": requests.client()})
    connect(client, tiktok)
    tiktok.control("faults", target="open_api", delay_s=0.5, count=1)  # the others arrive
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: summary(client), range(6)))
    assert all(reply == replies[0] for reply in replies)
    pages = requests.count(RETURNS_SEARCH_PATH)
    assert summary(client, fresh="1") == replies[0]
    assert requests.count(RETURNS_SEARCH_PATH) == 2 * pages  # one search, then one more


def test_only_the_sellers_shops_and_well_formed_queries(backend, tiktok):
    connect(backend, tiktok, shops=[US_SHOP])
    store_other_seller(backend, [GB_SHOP])  # a shop of another seller of this backend
    other = backend.get(SUMMARY_PATH, params={"outer_shop_id": GB_SHOP})
    assert other.status_code == 403 and other.json()["code"] == 40300
    for query in ({}, {"outer_shop_id": "x"}, {"outer_shop_id": US_SHOP, "fresh": "yes"},
                  {"outer_shop_id": US_SHOP, "page": "2"}):
        assert backend.get(SUMMARY_PATH, params=query).status_code == 400
    assert json.loads(backend.get(SUMMARY_PATH).text)["code"] == 40000
