"""Property-based tests of the backend's token endpoint: whatever the query, method,
headers or cookie, it answers in its JSON shape without a 500, and issues a token only
to a seller connected to the shop asked for. The backend talks to the real sandbox."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from starlette.applications import Starlette
from starlette.routing import Mount

from testsupport.servers import serve_in_thread
from tests.backend.conftest import (
    SANDBOX,
    Sandbox,
    another_browser,
    backend_settings,
    connect,
    store_other_seller,
)
from tiktokshop_backend import create_app
from tiktokshop_sandbox import Clock, SandboxSettings
from tiktokshop_sandbox import create_app as create_sandbox

from .inputs import (
    DEMO_SHOP,
    FUZZ,
    GB_SHOP,
    any_text,
    either,
    header_sets,
    header_values,
    mostly,
)

TOKEN_PATH = "/api/v1/widget/access_token"
OWN_ORIGIN = "http://127.0.0.1:8000"
PARTNER_APP = "https://app.example"
UNLIMITED = "1000000/minute"

parameter_names = either("outer_shop_id", "partner_type", anything=any_text)
parameter_values = either(DEMO_SHOP, GB_SHOP, "1", "2", "", anything=any_text)
queries = mostly(
    st.sampled_from([DEMO_SHOP, GB_SHOP]).map(
        lambda shop: urlencode({"outer_shop_id": shop, "partner_type": "1"})),
    st.lists(st.tuples(parameter_names, parameter_values), max_size=5).map(urlencode)
    | any_text.map(lambda text: quote(text, safe="=&%+;")),  # raw, bad escapes included
)
token_headers = header_sets(
    origin=either(OWN_ORIGIN, PARTNER_APP, "null", "http://evil.example", anything=header_values),
    cookie=header_values.map(lambda value: b"seller_session=" + value),
    **{"x-forwarded-for": header_values},
)
methods = mostly(st.just("GET"), st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """A client of a seller connected to the demo shop only, and one with no session,
    on one app (and so on one event loop); the GB shop is another seller's."""
    workdir = tmp_path_factory.mktemp("fuzz-token")
    clock = Clock()
    sandbox_settings = SandboxSettings(data_dir=workdir / "sandbox", controls=True,
                                       redirect_url=OWN_ORIGIN + "/auth/tiktok/callback")
    sandbox = Starlette(routes=[Mount(SANDBOX, app=create_sandbox(sandbox_settings, clock))])
    with serve_in_thread(sandbox) as url:
        tiktok = Sandbox(url, clock, sandbox_settings)
        app = create_app(backend_settings(workdir, tiktok, cors_origins=(PARTNER_APP,),
                                          token_limit_per_session=UNLIMITED,
                                          token_limit_per_ip=UNLIMITED), clock=clock)
        with TestClient(app, base_url=OWN_ORIGIN) as seller:
            connect(seller, tiktok, shops=[DEMO_SHOP])
            store_other_seller(seller, [GB_SHOP])
            yield {"seller": seller, "stranger": another_browser(seller)}


@FUZZ
@given(who=st.sampled_from(["seller", "stranger"]), method=methods, query=queries,
       headers=token_headers)
def test_any_request_gets_a_json_answer_and_only_the_seller_a_token(clients, who, method,
                                                                    query, headers):
    preflight = method == "OPTIONS" and any(
        name.lower() == "access-control-request-method" for name in headers)
    response = clients[who].request(method, f"{TOKEN_PATH}?{query}", headers=headers)

    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: what was reached
    assert response.status_code < 500
    if preflight:  # answered by CORSMiddleware itself
        return
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"code", "message", "data"}
    if response.status_code == 200:
        assert who == "seller" and method == "GET"
        assert body["code"] == 0 and set(body["data"]) == {"token", "expire_at", "expires_in"}
        assert response.request.url.params["outer_shop_id"] == DEMO_SHOP
    else:
        assert body["code"] != 0
        assert body["data"] is None or set(body["data"]) == {"connect_url"}
        assert isinstance(body["message"], str) and body["message"]
