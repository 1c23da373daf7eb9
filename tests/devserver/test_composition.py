"""The dev server composes the backend and the sandbox: the backend's endpoints at the
site root, the demo seller connected at first start, "Connect another shop" through the
sandbox's authorize page, the backend's secrets kept private in the data dir."""

from urllib.parse import urlsplit

from starlette.testclient import TestClient

from devserver.app import create_app
from tests.backend.conftest import another_browser
from devserver.settings import Settings
from tiktokshop_widgets.backend import CURRENT_SHOP_PATH, SELLER_PATH, TOKEN_PATH

US_SHOP, GB_SHOP, THIRD_SHOP = "7495610000000000001", "7495610000000000002", "7495610000000000003"


def shop_ids(client) -> list[str]:
    response = client.get(SELLER_PATH)
    assert response.status_code == 200, response.text
    return [shop["id"] for shop in response.json()["data"]["shops"]]


def test_at_first_start_the_demo_seller_is_connected_to_two_shops(client):
    data = client.get(SELLER_PATH).json()["data"]
    assert data["seller"] == {"name": "Demo Seller"}
    assert [(s["id"], s["name"], s["region"]) for s in data["shops"]] == [
        (US_SHOP, "Maple & Co", "US"), (GB_SHOP, "Thames Home Goods", "GB")]
    assert data["current_shop_id"] == US_SHOP


def test_every_browser_is_the_demo_seller_with_a_session_of_its_own(client):
    other = another_browser(client)
    client.post(CURRENT_SHOP_PATH, json={"shop_id": GB_SHOP})
    assert client.get(SELLER_PATH).json()["data"]["current_shop_id"] == GB_SHOP
    assert other.get(SELLER_PATH).json()["data"]["current_shop_id"] == US_SHOP


def test_widget_tokens_come_from_the_sandbox_for_the_sellers_shops_only(client, app):
    for shop in (US_SHOP, GB_SHOP):
        reply = client.get(TOKEN_PATH, params={"outer_shop_id": shop, "partner_type": "1"})
        assert reply.status_code == 200
        assert app.state.signer.verify(reply.json()["data"]["token"]).shop_id == shop
    refused = client.get(TOKEN_PATH, params={"outer_shop_id": THIRD_SHOP, "partner_type": "1"})
    assert refused.status_code == 403


def test_connect_another_shop_goes_through_the_sandboxs_authorize_page(client):
    start = client.get("/auth/tiktok/start", follow_redirects=False)
    authorize_page = start.headers["location"]
    assert urlsplit(authorize_page).path == "/sandbox/services/open/authorize"
    query = dict(part.split("=", 1) for part in urlsplit(authorize_page).query.split("&"))
    assert "Authorize" in client.get(authorize_page).text

    clicked = client.post("/sandbox/services/open/authorize", follow_redirects=False, data={
        "service_id": query["service_id"], "state": query["state"],
        "shop_id": [US_SHOP, GB_SHOP, THIRD_SHOP]})
    assert clicked.status_code in (302, 303)
    back = client.get(clicked.headers["location"], follow_redirects=False)
    assert back.status_code == 302 and back.headers["location"] == "/"
    assert shop_ids(client) == [US_SHOP, GB_SHOP, THIRD_SHOP]


def test_a_restart_keeps_the_connection_and_the_secrets(settings, client):
    secrets = {path: path.read_bytes() for path in (
        settings.session_secret_path, settings.encryption_secret_path)}
    assert all(len(secret) >= 64 for secret in secrets.values())
    assert all(path.stat().st_mode & 0o077 == 0 for path in secrets)
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as restarted:
        assert shop_ids(restarted) == [US_SHOP, GB_SHOP]
        store = restarted.app.state.backend.store
        assert restarted.portal.call(store.sellers) == ["sbx-seller-7495610000"]
    assert {path: path.read_bytes() for path in secrets} == secrets


def test_reset_connects_the_demo_seller_anew(settings, client):
    with TestClient(create_app(Settings(data_dir=settings.data_dir, cdn="live", reset=True)),
                    base_url="http://127.0.0.1:8000") as reset:
        assert shop_ids(reset) == [US_SHOP, GB_SHOP]
        assert reset.get(TOKEN_PATH, params={"outer_shop_id": US_SHOP,
                                             "partner_type": "1"}).status_code == 200
