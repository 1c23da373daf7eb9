"""A real serve.py under load on loopback: 2,000 token requests and 2,000 widget-API
requests from 50 concurrent sellers with no 5xx, and 20 sellers accepting the same
return at once with exactly one decision recorded.

Each seller is a client of its own (its connection, its session cookie) that asks the
backend who it is (the dev server's demo seller) and then works through its share of
the requests.
Latencies are printed, not asserted: they depend on the machine.
"""

import asyncio
import statistics
import time
from contextlib import AsyncExitStack

import httpx2 as httpx

from tiktokshop_sandbox import ReturnsStore

REQUESTS = 2_000
CONCURRENCY = 50
SHOPS = (("7495610000000000001", "US"), ("7495610000000000002", "GB"))
APP_KEY = "6sandboxapp01"
TOKEN_PATH = "/api/v1/widget/access_token"
API = "/sandbox/api/return_refund/202309"
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"


def seller_client(server) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, timeout=30)


async def sign_in(client: httpx.AsyncClient, shop_id: str) -> None:
    """The seller's first call to the backend: who am I (the dev server's demo seller)."""
    response = await client.get("/api/v1/seller")
    assert response.status_code == 200, response.text
    assert shop_id in [shop["id"] for shop in response.json()["data"]["shops"]]


async def widget_token(client: httpx.AsyncClient, shop_id: str) -> str:
    response = await client.get(TOKEN_PATH, params={"outer_shop_id": shop_id, "partner_type": "1"})
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


async def timed(request) -> tuple[int, float]:
    start = time.perf_counter()
    response = await request
    return response.status_code, time.perf_counter() - start


async def sellers_at_work(server, work) -> tuple[list[tuple[int, float]], float]:
    """REQUESTS requests shared by CONCURRENCY sellers, each running ``work(client, shop,
    region, count)``; the (status, seconds) of every request and the wall time."""
    async def seller(number: int):
        shop_id, region = SHOPS[number % len(SHOPS)]
        async with seller_client(server) as client:
            await sign_in(client, shop_id)
            return await work(client, shop_id, region, REQUESTS // CONCURRENCY)

    start = time.perf_counter()
    per_seller = await asyncio.gather(*(seller(n) for n in range(CONCURRENCY)))
    return [result for results in per_seller for result in results], time.perf_counter() - start


def report(capsys, what: str, results, seconds: float) -> None:
    cuts = statistics.quantiles([latency for _, latency in results], n=100)
    with capsys.disabled():
        print(f"\n{what}: {len(results)} requests, {CONCURRENCY} concurrent, "
              f"{len(results) / seconds:.0f}/s, p50 {cuts[49] * 1000:.1f} ms, "
              f"p99 {cuts[98] * 1000:.1f} ms")


def test_two_thousand_token_requests_from_fifty_sellers(loaded_server, capsys):
    async def ask_for_tokens(client, shop_id, region, count):
        query = {"outer_shop_id": shop_id, "partner_type": "1"}
        return [await timed(client.get(TOKEN_PATH, params=query)) for _ in range(count)]

    results, seconds = asyncio.run(sellers_at_work(loaded_server, ask_for_tokens))

    report(capsys, "token endpoint", results, seconds)
    assert len(results) == REQUESTS
    assert [status for status, _ in results if status != 200] == []


def test_two_thousand_widget_api_requests_from_fifty_sellers(loaded_server, capsys):
    async def browse_returns(client, shop_id, region, count):
        headers = {"origin": loaded_server.url,
                   "x-tts-access-token": await widget_token(client, shop_id)}
        base = {"shop_id": shop_id, "app_key": APP_KEY, "oec_region": region}
        search = {**base, "return_status": [PENDING], "page_size": 20}
        results = [await timed(client.post(f"{API}/returns/search", json=search, headers=headers))]
        orders = (await client.post(f"{API}/returns/search", json=search, headers=headers)
                  ).json()["data"]["return_orders"]
        for i in range(count - 1):  # the widget's mix: lists, and reasons for a return
            if i % 2:
                body = {**base, "return_id": orders[i % len(orders)]["return_id"]}
                request = client.post(f"{API}/reject_reasons", json=body, headers=headers)
            else:
                request = client.post(f"{API}/returns/search", json=search, headers=headers)
            results.append(await timed(request))
        return results

    results, seconds = asyncio.run(sellers_at_work(loaded_server, browse_returns))

    report(capsys, "widget API", results, seconds)
    assert len(results) == REQUESTS
    assert [status for status, _ in results if status != 200] == []


def test_twenty_sellers_accepting_the_same_return_record_one_decision(loaded_server):
    shop_id, region = SHOPS[0]
    base = {"shop_id": shop_id, "app_key": APP_KEY, "oec_region": region}

    async def accept_at_once():
        async with AsyncExitStack() as stack:
            sellers = [await stack.enter_async_context(seller_client(loaded_server))
                       for _ in range(20)]
            headers = []
            for seller in sellers:
                await sign_in(seller, shop_id)
                headers.append({"origin": loaded_server.url,
                                "x-tts-access-token": await widget_token(seller, shop_id)})
            orders = (await sellers[0].post(
                f"{API}/returns/search", json={**base, "return_status": [PENDING]},
                headers=headers[0],
            )).json()["data"]["return_orders"]
            order = next(o for o in orders if o["return_type"] == "REFUND")
            replies = await asyncio.gather(*(
                seller.post(f"{API}/returns/{order['return_id']}/approve", headers=headers[i],
                            json={**base, "decision": "APPROVE_REFUND",
                                  "idempotency_key": f"seller-{i}"})
                for i, seller in enumerate(sellers)
            ))
        return order["return_id"], replies

    return_id, replies = asyncio.run(accept_at_once())

    assert sorted(r.status_code for r in replies) == [200] + [409] * 19
    (accepted,) = [r.json() for r in replies if r.status_code == 200]
    assert accepted["data"]["return_id"] == return_id
    refused = [r.json() for r in replies if r.status_code == 409]
    assert all(r["code"] == 99001409 and "no longer pending" in r["message"] for r in refused)
    assert ReturnsStore(loaded_server.data_dir / "sandbox.sqlite3").decision_count(return_id) == 1
