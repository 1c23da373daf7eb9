"""TikTok down, slow, failing, refusing or rate limiting, as the sandbox's faults make it:
what the page hears, what the backend logs, and that no log line holds a secret or token."""

import re

import pytest

from testsupport.servers import dead_port
from tiktokshop_protocol import RETURNS_SEARCH_PATH, return_approve_path
from tiktokshop_sandbox import OPEN_API_MOUNT, SANDBOX_APP_SECRET, WIDGET_TOKEN_PATH, Clock
from tiktokshop_widgets.backend import TOKEN_PATH

from .conftest import ENCRYPTION_KEY, NOW, SESSION_SECRET, US_SHOP, RequestLog, connect

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def assert_no_secrets(logs, *clients):
    text = "\n".join(record.getMessage() for record in logs.records)
    secrets = [SANDBOX_APP_SECRET, ENCRYPTION_KEY, SESSION_SECRET, "wrong-secret"]
    for client in clients:
        services = client.app.state.backend
        for open_id in client.portal.call(services.store.sellers):
            seller = client.portal.call(services.store.seller, open_id)
            secrets += [seller.access_token, seller.refresh_token]
    assert [secret for secret in secrets if secret in text] == []
    assert not JWT.search(text)


def logged(logs) -> str:
    return "\n".join(record.getMessage() for record in logs.records
                     if record.name.startswith("tiktokshop_backend"))


def test_a_5xx_then_success_is_retried_and_the_page_never_knows(backend, tiktok, logs):
    connect(backend, tiktok)
    tiktok.control("faults", target="open_api", status=503, count=2)
    response = backend.get(TOKEN_PATH, params=QUERY)
    assert response.status_code == 200, response.text
    assert logged(logs).count("retrying in") == 2
    assert_no_secrets(logs, backend)


def test_a_5xx_that_lasts_is_a_clear_502(backend, tiktok, logs):
    connect(backend, tiktok)
    tiktok.control("faults", target="open_api", status=503, count=5)
    response = backend.get(TOKEN_PATH, params=QUERY)
    assert response.status_code == 502
    body = response.json()
    assert body["code"] == 50200 and "TikTok Shop refused" in body["message"]
    assert "failed after 3 attempt(s)" in logged(logs) and "HTTP 503" in logged(logs)
    assert_no_secrets(logs, backend)


def test_a_slow_open_api_times_out_and_is_retried(make_backend, tiktok, logs):
    client = make_backend(timeout=0.5)
    connect(client, tiktok)
    tiktok.control("faults", target="open_api", delay_s=2, count=1)
    assert client.get(TOKEN_PATH, params=QUERY).status_code == 200
    assert "no reply within 0.5 s" in logged(logs)


def test_an_open_api_that_is_down_is_a_clear_502(make_backend, backend, tiktok, logs):
    connect(backend, tiktok)
    down = make_backend(open_api_base=f"http://127.0.0.1:{dead_port()}/sandbox/open-api")
    down.cookies = backend.cookies
    response = down.get(TOKEN_PATH, params=QUERY)
    assert response.status_code == 502 and "did not answer" in response.json()["message"]
    assert "TikTok could not be reached" in logged(logs)
    assert_no_secrets(logs, backend)


def test_an_auth_host_that_is_down_fails_the_connection_with_a_page(make_backend, tiktok, logs):
    client = make_backend(auth_base=f"http://127.0.0.1:{dead_port()}/sandbox/auth")
    start = client.get("/auth/tiktok/start", follow_redirects=False)
    state = start.headers["location"].split("state=")[1]
    redirect = tiktok.control("authorize", shop_ids=[US_SHOP], state=state)["redirect_url"]
    response = client.get("/auth/tiktok/callback?" + redirect.split("?", 1)[1],
                          follow_redirects=False)
    assert response.status_code == 502 and "did not complete" in response.text
    assert_no_secrets(logs, client)


def test_a_slow_auth_host_during_a_refresh_is_retried(make_backend, tiktok, logs):
    client = make_backend(timeout=0.5)
    connect(client, tiktok)
    tiktok.clock.advance(7 * 86_400)
    tiktok.control("faults", target="auth", delay_s=2, count=1)
    assert client.get(TOKEN_PATH, params=QUERY).status_code == 200
    assert_no_secrets(logs, client)


def test_a_bad_signature_is_logged_naming_the_cause_not_the_secret(make_backend, backend,
                                                                   tiktok, logs):
    connect(backend, tiktok)
    wrong = make_backend(app_secret="wrong-secret")
    wrong.cookies = backend.cookies
    response = wrong.get(TOKEN_PATH, params=QUERY)
    assert response.status_code == 502
    assert "signature was refused: check TIKTOKSHOP_APP_SECRET" in logged(logs)
    assert_no_secrets(logs, backend, wrong)


def test_clock_skew_is_logged_naming_the_cause(make_backend, backend, tiktok, logs):
    connect(backend, tiktok)
    skewed = make_backend({"clock": Clock(start=NOW - 3600)})
    skewed.cookies = backend.cookies
    assert skewed.get(TOKEN_PATH, params=QUERY).status_code == 502
    assert "this server's clock is off" in logged(logs)
    assert_no_secrets(logs, backend)


def test_rate_limiting_backs_off_then_succeeds(backend, tiktok, logs):
    connect(backend, tiktok)
    tiktok.control("faults", target="open_api", rate_limit=True, count=1)
    assert backend.get(TOKEN_PATH, params=QUERY).status_code == 200
    assert "HTTP 429" in logged(logs) and "retrying in 1.0 s" in logged(logs)


def test_rate_limiting_that_lasts_is_a_clear_503_with_retry_after(backend, tiktok, logs):
    connect(backend, tiktok)
    tiktok.control("faults", target="open_api", rate_limit=True, count=5)
    response = backend.get(TOKEN_PATH, params=QUERY)
    assert response.status_code == 503
    assert response.json()["code"] == 50300 and "limiting" in response.json()["message"]
    assert int(response.headers["retry-after"]) >= 1
    assert_no_secrets(logs, backend)


def test_approve_is_sent_once_even_when_it_fails(make_backend, tiktok):
    """Approve/reject are not idempotent on TikTok's side: a 5xx is reported, not retried."""
    import asyncio

    from tiktokshop_backend import OpenApiError

    requests = RequestLog()
    client = make_backend({"http": requests.client()})
    connect(client, tiktok)
    services = client.app.state.backend
    (open_id,) = client.portal.call(services.store.sellers)
    shop = client.portal.call(services.store.shops, open_id)[0]

    async def approve_first_pending():
        token = await services.authorization.access_token(open_id)
        found = await services.client.open_api(
            "POST", RETURNS_SEARCH_PATH, access_token=token, shop_cipher=shop.cipher,
            body={"return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"]}, read=True)
        order = next(o for o in found["return_orders"] if o["return_type"] == "REFUND")
        tiktok.control("faults", target="open_api", status=503, count=1)
        with pytest.raises(OpenApiError) as failed:
            await services.client.open_api("POST", return_approve_path(order["return_id"]),
                                           access_token=token, shop_cipher=shop.cipher,
                                           body={"decision": "APPROVE_REFUND"})
        return order["return_id"], failed.value

    return_id, error = client.portal.call(approve_first_pending)
    assert error.status == 503 and error.request_id
    assert requests.count(return_approve_path(return_id)) == 1
    assert OPEN_API_MOUNT in services.settings.open_api_base
    assert requests.count(WIDGET_TOKEN_PATH) == 0
    del asyncio
