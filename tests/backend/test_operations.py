"""What an operator's probes and Prometheus see: /healthz, /readyz naming what is not
reachable, and /metrics (off by default; a registry per app; no seller, shop or token in it)."""

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from starlette.testclient import TestClient

from testsupport.servers import run_redis
from tiktokshop_backend import TokenStore, create_app
from tiktokshop_widgets.backend import SELLER_PATH, TOKEN_PATH

from .conftest import GB_SHOP, OWN_ORIGIN, US_SHOP, backend_settings, connect

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}


def samples(client, name: str) -> dict:
    """{labels as a sorted tuple: value} of a metric on /metrics."""
    reply = client.get("/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(client, name: str, **labels) -> float:
    return sum(v for key, v in samples(client, name).items() if set(labels.items()) <= set(key))


def test_healthz_answers(backend):
    reply = backend.get("/healthz")
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_redis(make_backend, redis_url):
    alone = make_backend().get("/readyz")
    assert alone.status_code == 200
    assert alone.json() == {"ready": True,
                            "checks": {"database": "ok", "redis": "not configured"}}
    shared = make_backend(redis_url=redis_url).get("/readyz")
    assert shared.status_code == 200 and shared.json()["checks"]["redis"] == "ok"


def test_readyz_names_redis_when_it_goes_away(make_backend, tmp_path):
    with run_redis(tmp_path / "redis") as url:  # a Redis of its own, stopped after the start
        client = make_backend(redis_url=url)
        assert client.get("/readyz").status_code == 200
    reply = client.get("/readyz")
    assert reply.status_code == 503
    body = reply.json()
    assert body["ready"] is False and body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")
    assert body["message"].startswith("not ready: redis unreachable")


def test_readyz_names_the_database_when_it_does_not_answer(tmp_path, tiktok, postgres):
    url = postgres.create_database()
    TokenStore(url, cipher=None).migrate()
    app = create_app(backend_settings(tmp_path, tiktok, database_url=url), clock=tiktok.clock)
    with TestClient(app, base_url=OWN_ORIGIN) as client:
        assert client.get("/readyz").status_code == 200
        # The database stops taking connections, and drops those it had.
        name = url.rsplit("/", 1)[1]
        postgres.sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        postgres.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     f"WHERE datname = '{name}'")
        reply = client.get("/readyz")
    assert reply.status_code == 503
    body = reply.json()
    assert body["checks"]["database"].startswith("unreachable")
    assert body["checks"]["redis"] == "not configured"
    assert body["message"].startswith("not ready: database unreachable")
    assert postgres.password not in reply.text


def test_metrics_are_off_by_default(backend):
    assert backend.get("/metrics").status_code == 404


def test_metrics_count_requests_tiktok_calls_refreshes_and_the_cache(make_backend, tiktok):
    backend = make_backend(metrics=True)
    connect(backend, tiktok)
    assert backend.get(TOKEN_PATH, params=QUERY).status_code == 200
    assert backend.get(TOKEN_PATH, params=QUERY).status_code == 200
    assert backend.get(SELLER_PATH).status_code == 200
    assert backend.get(TOKEN_PATH, params={**QUERY, "outer_shop_id": "1"}).status_code == 403
    assert backend.get("/no/such/path").status_code == 404
    tiktok.control("faults", target="open_api", status=503, count=1)
    assert backend.get(TOKEN_PATH, params={**QUERY, "outer_shop_id": GB_SHOP}).status_code == 200
    tiktok.clock.advance(8 * 24 * 3600)  # the access token expired: refreshed on demand
    assert backend.get(SELLER_PATH).status_code == 200

    requests = "tiktokshop_backend_requests_count"
    assert value(backend, requests, route=TOKEN_PATH, method="GET", status="200") == 3
    assert value(backend, requests, route=TOKEN_PATH, status="403") == 1
    assert value(backend, requests, route=SELLER_PATH, status="200") == 2
    assert value(backend, requests, route="/auth/tiktok/callback", status="302") == 1
    assert value(backend, requests, route="unmatched", status="404") == 1

    tiktok_calls = "tiktokshop_backend_tiktok_requests_count"
    assert value(backend, tiktok_calls, path="/api/v2/token/get", outcome="ok") == 1
    assert value(backend, tiktok_calls, path="/authorization/202309/shops", outcome="ok") == 1
    assert value(backend, tiktok_calls, outcome="server_error") == 1
    assert value(backend, "tiktokshop_backend_tiktok_requests_sum", outcome="ok") > 0

    assert value(backend, "tiktokshop_backend_token_refreshes_total",
                 trigger="on_demand", outcome="ok") == 1
    cache = "tiktokshop_backend_widget_token_cache_total"
    assert value(backend, cache, result="hit") == 1 and value(backend, cache, result="miss") == 2


def test_metrics_name_no_seller_shop_or_token(make_backend, tiktok):
    backend = make_backend(metrics=True)
    connect(backend, tiktok)
    token = backend.get(TOKEN_PATH, params=QUERY).json()["data"]["token"]
    text = backend.get("/metrics").text
    store = backend.app.state.backend.store
    (open_id,) = backend.portal.call(store.sellers)
    seller = backend.portal.call(store.seller, open_id)
    shops = backend.portal.call(store.shops, open_id)
    for secret in (seller.open_id, seller.access_token, seller.refresh_token, token, US_SHOP,
                   GB_SHOP, *(shop.cipher for shop in shops)):
        assert secret not in text


def test_each_app_counts_in_a_registry_of_its_own(make_backend):
    one, other = make_backend(metrics=True), make_backend(metrics=True)
    one.get("/healthz")
    one.get("/healthz")
    other.get("/healthz")
    assert value(one, "tiktokshop_backend_requests_count", route="/healthz") == 2
    assert value(other, "tiktokshop_backend_requests_count", route="/healthz") == 1
    assert not [family.name for family in REGISTRY.collect() if "tiktokshop" in family.name]


def test_tiktok_paths_lose_their_ids():
    from tiktokshop_backend._metrics import path_template
    from tiktokshop_protocol import RETURN_APPROVE_PATH, RETURNS_SEARCH_PATH, return_approve_path
    assert path_template(return_approve_path("4035318504086851234")) == RETURN_APPROVE_PATH
    assert path_template(RETURNS_SEARCH_PATH) == RETURNS_SEARCH_PATH  # 202309 is a version
    assert path_template("/x/202309/shops/7495610000000000001/info") == "/x/202309/shops/{id}/info"
