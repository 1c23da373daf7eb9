"""Access tokens stay fresh: refreshed before they expire and when TikTok refuses one,
one refresh in flight per seller; a dead refresh token means "reconnect"."""

from concurrent.futures import ThreadPoolExecutor

from tiktokshop_protocol import TOKEN_REFRESH_PATH
from tiktokshop_sandbox import WIDGET_TOKEN_PATH, Clock
from tiktokshop_widgets.backend import RECONNECT_NEEDED, SELLER_PATH, TOKEN_PATH

from .conftest import GB_SHOP, NOW, US_SHOP, RequestLog, connect

DAY = 86_400
QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}


def stored_seller(client):
    services = client.app.state.backend
    (open_id,) = client.portal.call(services.store.sellers)
    return client.portal.call(services.store.seller, open_id)


def test_an_access_token_about_to_expire_is_refreshed_first(backend, tiktok):
    connect(backend, tiktok)
    before = stored_seller(backend)
    tiktok.clock.advance(7 * DAY - 60)  # TikTok's 7 days, less than the refresh margin left

    response = backend.get(TOKEN_PATH, params=QUERY)

    assert response.status_code == 200, response.text
    after = stored_seller(backend)
    assert after.access_token != before.access_token
    assert after.access_expire_at == int(tiktok.clock.now()) + 7 * DAY


def test_an_access_token_tikTok_refuses_is_refreshed_and_the_call_made_again(
        make_backend, tiktok, sandbox_settings):
    # The backend's clock lags TikTok's by 150 s: it believes the token good when TikTok
    # has already expired it (TikTok's clock decides), well inside the timestamp window.
    requests = RequestLog()
    lagging = Clock(start=NOW)
    client = make_backend({"clock": lagging, "http": requests.client()}, refresh_margin=0)
    connect(client, tiktok)
    short_lived = stored_seller(client)
    tiktok.clock.advance(7 * DAY + 1)
    lagging.advance(7 * DAY - 149)

    response = client.get(TOKEN_PATH, params=QUERY)

    assert response.status_code == 200, response.text
    assert requests.count(WIDGET_TOKEN_PATH) == 2 and requests.count(TOKEN_REFRESH_PATH) == 1
    assert stored_seller(client).access_token != short_lived.access_token


def test_one_refresh_in_flight_per_seller(make_backend, tiktok):
    requests = RequestLog()
    client = make_backend({"http": requests.client()})
    connect(client, tiktok)
    tiktok.clock.advance(7 * DAY)
    # TikTok answers the first refresh and the first widget-token call slowly: the
    # other requests arrive while they are in flight.
    tiktok.control("faults", target="auth", delay_s=0.5, count=1)
    tiktok.control("faults", target="open_api", delay_s=0.5, count=1)

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda shop: client.get(TOKEN_PATH, params={
            "outer_shop_id": shop, "partner_type": "1"}).status_code, [US_SHOP, GB_SHOP] * 4))

    assert statuses == [200] * 8
    assert requests.count(TOKEN_REFRESH_PATH) == 1
    assert requests.count(WIDGET_TOKEN_PATH) == 2  # and one widget-token call per shop


def test_a_revoked_refresh_token_means_reconnect_then_connecting_again_works(backend, tiktok):
    connect(backend, tiktok)
    tiktok.control("revoke", all=True)
    tiktok.clock.advance(7 * DAY)

    refused = backend.get(TOKEN_PATH, params=QUERY)
    assert refused.status_code == 401
    assert refused.json()["code"] == RECONNECT_NEEDED
    assert refused.json()["data"] == {"connect_url": "/auth/tiktok/start"}
    seller = backend.get(SELLER_PATH)  # the page hears it too
    assert seller.status_code == 401 and seller.json()["code"] == RECONNECT_NEEDED

    connect(backend, tiktok)
    assert backend.get(TOKEN_PATH, params=QUERY).status_code == 200
    assert backend.get(SELLER_PATH).status_code == 200


def test_who_am_i_says_reconnect_once_the_access_token_lapsed_and_refresh_is_refused(
        backend, tiktok):
    connect(backend, tiktok)
    tiktok.control("revoke", all=True)
    assert backend.get(SELLER_PATH).status_code == 200  # the access token still works
    tiktok.clock.advance(7 * DAY)
    seller = backend.get(SELLER_PATH)  # asked first, before any token
    assert seller.status_code == 401 and seller.json()["code"] == RECONNECT_NEEDED


def test_who_am_i_still_answers_when_tikTok_is_down_during_a_refresh(backend, tiktok):
    connect(backend, tiktok)
    tiktok.clock.advance(7 * DAY)
    tiktok.control("faults", target="auth", status=503, count=5)
    assert backend.get(SELLER_PATH).status_code == 200


def test_an_expired_refresh_token_means_reconnect_without_asking_tikTok(make_backend, tiktok):
    requests = RequestLog()
    client = make_backend({"http": requests.client()})
    connect(client, tiktok)
    tiktok.clock.advance(31 * DAY)

    assert client.get(SELLER_PATH).json()["code"] == RECONNECT_NEEDED
    assert client.get(TOKEN_PATH, params=QUERY).json()["code"] == RECONNECT_NEEDED
    assert requests.count(TOKEN_REFRESH_PATH) == 0


def test_one_refresh_in_flight_per_seller_across_workers_on_redis(make_backend, tiktok,
                                                                  redis_url):
    """Two backend apps (workers) on one store and one Redis: their refresh lock is Redis's."""
    requests = RequestLog()
    first = make_backend({"http": requests.client()}, redis_url=redis_url)
    connect(first, tiktok)
    second = make_backend({"http": requests.client()}, redis_url=redis_url)
    second.cookies = first.cookies
    tiktok.clock.advance(7 * DAY)
    tiktok.control("faults", target="auth", delay_s=0.5, count=1)

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda worker: worker.get(SELLER_PATH).status_code and worker.get(
            TOKEN_PATH, params=QUERY).status_code, [first, second] * 2))

    assert statuses == [200] * 4
    assert requests.count(TOKEN_REFRESH_PATH) == 1
    assert requests.count(WIDGET_TOKEN_PATH) == 1  # the widget-token cache is Redis's too
