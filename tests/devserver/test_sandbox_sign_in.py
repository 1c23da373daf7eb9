"""The sandbox's sign-in: a page load signs a visitor in to the demo shop, and
/sandbox/session switches to another sandbox shop."""

import tomllib

import pytest
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.sandbox_sign_in import demo_shop_id
from devserver.settings import PROJECT_ROOT, Settings

DEMO_SHOP = "7495610000000000001"
GB_SHOP = "7495610000000000002"
TOKEN_URL = "/api/v1/widget/access_token"


def token_status(client, shop=DEMO_SHOP) -> int:
    return client.get(TOKEN_URL, params={"outer_shop_id": shop, "partner_type": "1"}).status_code


def test_the_demo_shop_is_the_one_the_page_config_names():
    config = tomllib.loads((PROJECT_ROOT / "pyscript.toml").read_text())
    assert demo_shop_id(PROJECT_ROOT) == config["tiktok_widgets"]["shop_id"] == DEMO_SHOP


@pytest.mark.parametrize("page", ["/", "/index.html", "/examples/native.html"])
def test_loading_a_page_signs_a_new_visitor_in_to_the_demo_shop(client, page):
    assert token_status(client) == 401
    response = client.get(page)

    assert response.status_code == 200
    assert "seller_session=" in response.headers["set-cookie"]
    assert token_status(client) == 200
    assert token_status(client, GB_SHOP) == 403


@pytest.mark.parametrize("request_path", [
    "/assets/app.css", "/pyscript.toml", "/no-such-page.html",
    "/sandbox/widgets/reverse/1.0.0/manifest.json",
])
def test_other_requests_sign_nobody_in(client, request_path):
    response = client.get(request_path)
    assert "set-cookie" not in response.headers
    assert token_status(client) == 401


def test_a_later_page_load_keeps_the_session(client):
    client.get("/sandbox/session", params={"shop_id": GB_SHOP})
    response = client.get("/")

    assert "set-cookie" not in response.headers
    assert token_status(client, GB_SHOP) == 200


def test_switching_shops_redirects_to_next(client):
    client.get("/")
    next_page = "/examples/native.html?shop=" + GB_SHOP
    response = client.get("/sandbox/session", params={"shop_id": GB_SHOP, "next": next_page},
                          follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == next_page
    assert response.headers["cache-control"] == "no-store"
    assert token_status(client, GB_SHOP) == 200
    assert token_status(client, DEMO_SHOP) == 403


def test_switching_without_next_answers_json(client):
    response = client.get("/sandbox/session", params={"shop_id": GB_SHOP})
    assert response.json() == {"code": 0, "message": "signed in", "data": {"shop_id": GB_SHOP}}


@pytest.mark.parametrize("params, status, message", [
    ({}, 400, "shop_id"),
    ({"shop_id": "abc"}, 400, "shop_id"),
    ({"shop_id": "1234567"}, 404, "not a sandbox shop"),
    ({"shop_id": GB_SHOP, "next": "https://evil.example/"}, 400, "next"),
    ({"shop_id": GB_SHOP, "next": "//evil.example/"}, 400, "next"),
    ({"shop_id": GB_SHOP, "next": "/\\evil.example/"}, 400, "next"),
    ({"shop_id": GB_SHOP, "next": "/\t/evil.example/"}, 400, "next"),
    ({"shop_id": GB_SHOP, "next": "javascript:alert(1)"}, 400, "next"),
    ({"shop_id": GB_SHOP, "next": "examples/native.html"}, 400, "next"),
    ({"shop_id": GB_SHOP, "next": ""}, 400, "next"),
])
def test_unknown_shops_and_off_site_redirects_are_refused(client, params, status, message):
    client.get("/")
    response = client.get("/sandbox/session", params=params, follow_redirects=False)

    assert response.status_code == status
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"] != 0 and body["data"] is None and message in body["message"]
    assert token_status(client) == 200  # still signed in as before


def test_a_site_whose_config_names_another_sandbox_shop_signs_in_to_that_one(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>shop</title>")
    (site / "pyscript.toml").write_text(f'[tiktok_widgets]\nshop_id = "{GB_SHOP}"\n')
    app = create_app(Settings(data_dir=tmp_path / "data", cdn="live", site_root=site))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        client.get("/")
        assert token_status(client, GB_SHOP) == 200


@pytest.mark.parametrize("config", ['[tiktok_widgets]\nshop_id = "1234567"\n', "", "not toml ["])
def test_a_site_without_a_sandbox_demo_shop_signs_nobody_in(tmp_path, config):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>shop</title>")
    (site / "pyscript.toml").write_text(config)
    app = create_app(Settings(data_dir=tmp_path / "data", cdn="live", site_root=site))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/").status_code == 200
        assert token_status(client) == 401
