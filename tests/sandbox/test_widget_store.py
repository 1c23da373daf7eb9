"""The sandbox's SQLite store: one decision per return under concurrency, and seeding."""

import sqlite3
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tiktokshop_sandbox import DEMO_SELLER, Clock, ReturnsStore, SandboxSettings
from tiktokshop_sandbox.authorizations import Authorizations
from tiktokshop_sandbox.model import (
    AWAITING_BUYER_SHIP,
    BUYER_SHIPPED_ITEM,
    REQUEST_PENDING,
    REQUEST_SUCCESS,
    RETURN_STATUSES,
    RETURN_TYPES,
    decision_stage,
)
from tiktokshop_sandbox.seed import SHOPS
from tiktokshop_sandbox.store import DecisionRequest, ReturnNotPending

DEMO_SHOP = "7495610000000000001"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


@pytest.fixture
def store(tmp_path):
    store = ReturnsStore(tmp_path / "sandbox.sqlite3")
    store.seed_if_empty(now=NOW)
    return store


def all_returns(store, shop_id=DEMO_SHOP):
    orders, after = [], None
    while True:
        page = store.search_returns(shop_id, page_size=100, after=after)
        orders.extend(page.return_orders)
        if page.next_cursor is None:
            return orders
        after = page.next_cursor


def pending(store, return_type, shop_id=DEMO_SHOP):
    return next(
        o
        for o in store.search_returns(shop_id, statuses=[REQUEST_PENDING]).return_orders
        if o["return_type"] == return_type
    )


def approve(store, order, key=None, shop_id=DEMO_SHOP):
    stage = decision_stage(order["return_type"], order["return_status"])
    return store.decide(
        shop_id,
        DecisionRequest(
            return_id=order["return_id"],
            decision=stage.approve,
            idempotency_key=key or str(uuid.uuid4()),
        ),
    )


def run_together(count, work):
    """Run work(i) on `count` threads released at the same moment; results or exceptions."""
    start = threading.Barrier(count)

    def attempt(i):
        start.wait()
        try:
            return work(i)
        except Exception as exc:  # collected, compared by the test
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))


def test_twenty_concurrent_approvals_record_exactly_one_decision(store):
    order = pending(store, "REFUND")

    outcomes = run_together(20, lambda i: approve(store, order, key=f"client-{i}"))

    recorded = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, ReturnNotPending)]
    assert len(recorded) == 1 and len(refused) == 19, outcomes
    assert recorded[0]["return_status"] == REQUEST_SUCCESS
    assert all(
        str(o) == f"return {order['return_id']} is no longer pending (status {REQUEST_SUCCESS})"
        for o in refused
    )
    assert store.decision_count(order["return_id"]) == 1


def test_concurrent_retries_with_one_key_all_get_the_one_decision(store):
    order = pending(store, "RETURN_AND_REFUND")

    outcomes = run_together(20, lambda i: approve(store, order, key="the-same-key"))

    assert all(o == outcomes[0] for o in outcomes), outcomes
    assert outcomes[0]["return_status"] == AWAITING_BUYER_SHIP
    assert store.decision_count(order["return_id"]) == 1


def test_fifty_concurrent_decisions_and_searches_all_succeed(store):
    actionable = [
        (shop.shop_id, order)
        for shop in SHOPS
        for order in store.search_returns(
            shop.shop_id, statuses=[REQUEST_PENDING, BUYER_SHIPPED_ITEM]
        ).return_orders
    ]
    assert len(actionable) >= 25

    def work(i):
        if i % 2:  # half the threads read while the others write
            return store.search_returns(SHOPS[i % 4].shop_id).total_count
        shop_id, order = actionable[i // 2]
        return approve(store, order, shop_id=shop_id)

    outcomes = run_together(50, work)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    decided = [o for o in outcomes if isinstance(o, dict)]
    assert len(decided) == 25
    assert len({d["return_id"] for d in decided}) == 25


def test_reseeding_gives_the_same_shops_ids_and_content(store):
    before = {shop.shop_id: all_returns(store, shop.shop_id) for shop in SHOPS}
    approve(store, pending(store, "REFUND"))

    store.reset()
    assert store.get_shop(DEMO_SHOP) is None
    store.seed_if_empty(now=NOW)

    after = {shop.shop_id: all_returns(store, shop.shop_id) for shop in SHOPS}
    assert after == before


def test_reseeding_the_returns_keeps_the_shops_and_the_sellers_authorizations(store, tmp_path):
    before = all_returns(store)
    auths = Authorizations(store, SandboxSettings(data_dir=tmp_path), Clock(start=NOW))
    tokens = auths.exchange_code(auths.grant(DEMO_SELLER.open_id, [DEMO_SHOP]))
    approve(store, pending(store, "REFUND"))

    store.reseed_returns(now=NOW)

    assert all_returns(store) == before  # the decision is forgotten
    assert store.get_shop(DEMO_SHOP) is not None
    assert auths.check_access_token(tokens.access_token)  # the backend's tokens still work


def test_seeding_later_shifts_only_the_timestamps(store, tmp_path):
    later = ReturnsStore(tmp_path / "later.sqlite3")
    later.seed_if_empty(now=NOW + 86_400)

    def without_times(order):
        return {
            k: v
            for k, v in order.items()
            if k
            not in ("create_time", "update_time", "seller_next_action_response", "seller_decision")
        }

    first, second = all_returns(store), all_returns(later)
    assert [without_times(o) for o in first] == [without_times(o) for o in second]
    assert [o["create_time"] + 86_400 for o in first] == [o["create_time"] for o in second]


def test_seed_if_empty_leaves_existing_data_alone(store):
    order = pending(store, "REFUND")
    approve(store, order)

    assert store.seed_if_empty(now=NOW) is False
    assert len(all_returns(store)) == 30
    assert (
        store.search_returns(DEMO_SHOP, return_ids=[order["return_id"]]).return_orders[0][
            "return_status"
        ]
        == REQUEST_SUCCESS
    )


def test_seed_covers_every_status_and_type_with_realistic_deadlines(store):
    shop = store.get_shop(DEMO_SHOP)
    assert (shop.name, shop.region, shop.currency) == ("Maple & Co", "US", "USD")
    assert [
        (s.name, s.region, s.currency) for s in map(store.get_shop, [s.shop_id for s in SHOPS])
    ] == [
        ("Maple & Co", "US", "USD"),
        ("Thames Home Goods", "GB", "GBP"),
        ("Lion City Gadgets", "SG", "SGD"),
        ("Selangor Style", "MY", "MYR"),
    ]
    orders = all_returns(store)
    assert 25 <= len(orders) <= 35
    assert set(Counter(o["return_status"] for o in orders)) == set(RETURN_STATUSES)
    assert set(o["return_type"] for o in orders) == set(RETURN_TYPES)
    waiting = [o for o in orders if o["return_status"] == REQUEST_PENDING]
    assert len(waiting) >= 8
    assert set(o["return_type"] for o in waiting) == set(RETURN_TYPES)
    deadlines = [o["seller_next_action_response"][0]["deadline"] - NOW for o in waiting]
    assert all(left <= 4 * 86_400 for left in deadlines)
    assert sum(left < 0 for left in deadlines) == 1  # one is overdue
    assert sum(0 <= left < 3600 for left in deadlines) == 1  # one is due within the hour
    assert sum(0 <= left < 86_400 for left in deadlines) == 4  # four within the day
    assert sum(left >= 86_400 for left in deadlines) == 4
    assert all(o["return_reason_text"] and o["return_line_items"] for o in orders)
    assert len({o["return_id"] for o in orders}) == len(orders)


def test_a_database_from_an_older_schema_is_replaced(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    with sqlite3.connect(path) as db:  # what the pre-sandbox placeholder left behind
        db.execute("create table shops (shop_id text primary key, name, region, currency)")
        db.execute("insert into shops values ('7495610000000000001', 'Maple & Co', 'US', 'USD')")
    db.close()

    store = ReturnsStore(path)
    assert store.seed_if_empty(now=NOW) is True
    assert len(all_returns(store)) == 30
