"""Property-based tests of the sandbox widget API: whatever the endpoint, return id,
token, origin, headers or JSON body, it answers ``{"code", "message", "data"}``
and never 500."""

import json
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.settings import Settings
from tiktokshop_sandbox import SANDBOX_APP_KEY, model

from .inputs import (
    DEMO_SHOP,
    FUZZ,
    GB_SHOP,
    any_text,
    either,
    header_names,
    header_values,
    json_values,
    mostly,
    numeric_ids,
)

API = "/sandbox/api/return_refund/202309"
OWN_ORIGIN = "http://127.0.0.1:8000"
REASONS = sorted({reason.name for reasons in (model.REFUND_REJECT_REASONS,
                                              model.RETURN_REJECT_REASONS,
                                              model.RECEIVED_PACKAGE_REJECT_REASONS)
                  for reason in reasons})


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """An app, a client on it, valid tokens of two shops and the demo shop's return ids."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz-api") / "data", cdn="live"))
    signer = app.state.signer
    tokens = {"demo": signer.issue(DEMO_SHOP).token, "gb": signer.issue(GB_SHOP).token,
              "expired": signer.issue(DEMO_SHOP, ttl=-60).token}
    with TestClient(app, base_url=OWN_ORIGIN) as client:
        found = client.post(f"{API}/returns/search", headers={
            "origin": OWN_ORIGIN, "x-tts-access-token": tokens["demo"]}, json={
            "shop_id": DEMO_SHOP, "app_key": SANDBOX_APP_KEY, "oec_region": "US",
            "page_size": 100}).json()["data"]["return_orders"]
        yield client, tokens, [order["return_id"] for order in found]


def return_ids(known: list[str]) -> st.SearchStrategy[str]:
    # Any text, percent-encoded, but what makes the path another path: "/",
    # dot segments (the client resolves them away) and newlines (Starlette's
    # Mount does not match across them, so the site answers instead, in text).
    anything = any_text.map(lambda t: t.replace("/", "").replace("\n", "")).filter(
        lambda t: t not in ("", ".", ".."))
    return st.one_of(st.sampled_from(known), numeric_ids, anything).map(
        lambda text: quote(text, safe=""))


def bodies(known: list[str]) -> st.SearchStrategy[bytes]:
    """Mostly a JSON object for the demo shop with some of the API's fields, else anything."""
    def field(*valid):
        return mostly(st.sampled_from(valid), json_values)

    fields = {
        "return_status": field(list(model.RETURN_STATUSES[:2]), [model.REQUEST_PENDING], ["X"]),
        "return_ids": field(known[:3], [known[0], known[0]], ["12a"]),
        "page_size": field(1, 20, 100, 0, 101),
        "page_token": field("MTcwMDAwMDAwMDoxMjM=", "not-a-token"),
        "return_id": field(*known),
        "decision": field(*model.APPROVE_DECISIONS, *model.REJECT_DECISIONS),
        "idempotency_key": field("key-1", "key-2", "key-3"),
        "reject_reason": field(*REASONS),
        "comment": field("Photos show the item unused", "x" * 501),
    }
    envelope = {
        "shop_id": mostly(st.just(DEMO_SHOP), either(GB_SHOP, "1")),
        "app_key": mostly(st.just(SANDBOX_APP_KEY), either("6otherapp99")),
        "oec_region": mostly(st.just("US"), either("GB", "us")),
    }
    as_json = mostly(st.fixed_dictionaries(envelope, optional=fields), json_values).map(json.dumps)
    return mostly(as_json.map(str.encode), st.binary(max_size=200))


def request_headers(tokens: dict) -> st.SearchStrategy[dict]:
    """Mostly the widget's own headers, give or take, and a few arbitrary ones."""
    omitted = st.none()
    origin = mostly(st.just(OWN_ORIGIN), omitted | st.just("http://evil.example") | header_values)
    token = mostly(st.just(tokens["demo"]), omitted | st.sampled_from(
        [tokens["gb"], tokens["expired"], tokens["demo"] + "x"]) | header_values)
    return st.tuples(origin, token, st.dictionaries(header_names, header_values, max_size=3)).map(
        lambda drawn: {**drawn[2], "content-type": "application/json",
                       **{name: value for name, value in
                          (("origin", drawn[0]), ("x-tts-access-token", drawn[1]))
                          if value is not None}})


@FUZZ
@given(data=st.data())
def test_any_call_gets_a_json_answer_and_never_500(sandbox, data):
    client, tokens, known = sandbox
    endpoint = data.draw(st.sampled_from(["returns/search", "reject_reasons", "approve", "reject"]))
    if endpoint in ("approve", "reject"):
        endpoint = f"returns/{data.draw(return_ids(known))}/{endpoint}"
    headers = data.draw(request_headers(tokens))
    body = data.draw(bodies(known))

    response = client.post(f"{API}/{endpoint}", content=body, headers=headers)

    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: what was reached
    assert response.status_code < 500
    assert response.headers["content-type"] == "application/json"
    reply = response.json()
    assert set(reply) == {"code", "message", "request_id", "data"}
    if response.status_code == 200:
        assert reply["code"] == 0 and isinstance(reply["data"], dict)
    else:
        assert reply["code"] != 0 and reply["data"] is None and reply["message"]
