"""TikTok's seller authorization as the sandbox plays it: the authorize page, the code,
token get and refresh on the auth host, revocation, all on the sandbox clock."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tiktokshop_protocol import SHOPS_PATH, TOKEN_REFRESH_PATH
from tiktokshop_sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, SANDBOX_SERVICE_ID, create_app

from .conftest import NOW, OWN_ORIGIN, REDIRECT_URL, SANDBOX, mounted
from .tiktok import (
    AUTH,
    GB_SHOP,
    SG_SHOP,
    US_SHOP,
    authorize,
    connect,
    open_api,
    refused,
    success,
    token_get,
)

AUTHORIZE = SANDBOX + "/services/open/authorize"
DAY = 86_400
UNKNOWN_APP, ACCESS_EXPIRED = 99100003, 99100005
CODE_INVALID, REFRESH_INVALID, INVALID_PARAMETER = 99100008, 99100009, 99000400


def refresh(client, refresh_token, app_secret=SANDBOX_APP_SECRET):
    return client.get(AUTH + TOKEN_REFRESH_PATH, params={
        "app_key": SANDBOX_APP_KEY, "app_secret": app_secret,
        "refresh_token": refresh_token, "grant_type": "refresh_token"})


def shop_ids(client, access_token):
    shops = success(open_api(client, "GET", SHOPS_PATH, token=access_token))["shops"]
    return sorted(shop["id"] for shop in shops)


def test_the_authorize_page_lists_the_sellers_shops_as_labelled_checkboxes(client):
    response = client.get(AUTHORIZE, params={"service_id": SANDBOX_SERVICE_ID, "state": "s1"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en">' in page and "Demo Seller" in page
    boxes = re.findall(r'<label><input type="checkbox" name="shop_id" value="(\d+)"> ([^<]+)</label>',
                       page)
    assert boxes == [(US_SHOP, "Maple &amp; Co (US)"), (GB_SHOP, "Thames Home Goods (GB)"),
                     (SG_SHOP, "Lion City Gadgets (SG)"),
                     ("7495610000000000004", "Selangor Style (MY)")]
    assert "<legend>Shops to authorize</legend>" in page
    assert '<button type="submit">Authorize</button>' in page
    assert '<input type="hidden" name="state" value="s1">' in page


def test_the_state_is_escaped_on_the_page(client):
    page = client.get(AUTHORIZE, params={"service_id": SANDBOX_SERVICE_ID,
                                         "state": '"><script>alert(1)</script>'}).text
    assert "<script>" not in page and "&quot;&gt;&lt;script&gt;" in page


def test_an_unknown_service_id_gets_a_page_saying_so(client):
    response = client.get(AUTHORIZE, params={"service_id": "999", "state": "s1"})
    assert response.status_code == 400
    assert "not registered" in response.text and "checkbox" not in response.text


def test_clicking_authorize_redirects_to_the_registered_url_with_code_and_state(client):
    response = client.post(AUTHORIZE, data={"service_id": SANDBOX_SERVICE_ID, "state": "xyz",
                                            "shop_id": [US_SHOP, GB_SHOP]},
                           follow_redirects=False)

    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URL
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"] and len(query["code"][0]) >= 32

    data = success(token_get(client, query["code"][0]))
    assert data["open_id"] and data["seller_name"] == "Demo Seller"
    assert data["seller_base_region"] == "US" and data["granted_scopes"]
    # Absolute unix seconds despite the name, on the sandbox clock: TikTok's 7 and 30 days.
    assert data["access_token_expire_in"] == NOW + 7 * DAY
    assert data["refresh_token_expire_in"] == NOW + 30 * DAY
    assert shop_ids(client, data["access_token"]) == [US_SHOP, GB_SHOP]


def test_authorize_without_a_shop_shows_the_page_again_with_the_problem(client):
    response = client.post(AUTHORIZE, data={"service_id": SANDBOX_SERVICE_ID, "state": "s"},
                           follow_redirects=False)
    assert response.status_code == 400
    assert 'role="alert"' in response.text and "pick at least one shop" in response.text
    assert 'aria-describedby=problem' in response.text


def test_a_shop_that_is_not_the_sellers_cannot_be_authorized(client):
    response = client.post(SANDBOX + "/control/authorize",
                           json={"shop_ids": ["7495619999999999999"], "state": "s"})
    assert response.status_code == 400 and "not a shop of Demo Seller" in response.json()["error"]


def test_authorizing_again_adds_shops_to_the_same_seller(client):
    first = connect(client, [US_SHOP])
    second = connect(client, [SG_SHOP])
    assert first["open_id"] == second["open_id"]
    assert shop_ids(client, second["access_token"]) == [US_SHOP, SG_SHOP]


def test_a_code_works_once(client):
    code = authorize(client, [US_SHOP])["code"]
    success(token_get(client, code))
    refused(token_get(client, code), 401, CODE_INVALID)


def test_a_code_expires_after_ten_minutes_on_the_sandbox_clock(client, clock):
    code = authorize(client, [US_SHOP])["code"]
    clock.advance(600)
    refused(token_get(client, code), 401, CODE_INVALID)


@pytest.mark.parametrize("change, status, code", [
    ({"app_secret": "not-the-secret"}, 401, UNKNOWN_APP),
    ({"grant_type": "refresh_token"}, 400, INVALID_PARAMETER),
])
def test_token_get_refuses_a_wrong_secret_or_grant_type(client, change, status, code):
    auth_code = authorize(client, [US_SHOP])["code"]
    refused(token_get(client, auth_code, **change), status, code)
    success(token_get(client, auth_code))  # the refusals did not spend the code


def test_an_expired_access_token_is_refused_and_a_refresh_gives_a_working_one(client, clock):
    tokens = connect(client, [US_SHOP])
    clock.advance(7 * DAY)
    message = refused(open_api(client, "GET", SHOPS_PATH, token=tokens["access_token"],
                               timestamp=NOW + 7 * DAY), 401, ACCESS_EXPIRED)
    assert "expired" in message.lower()

    renewed = success(refresh(client, tokens["refresh_token"]))

    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["access_token_expire_in"] == NOW + 14 * DAY
    assert renewed["refresh_token"] == tokens["refresh_token"]
    assert renewed["refresh_token_expire_in"] == tokens["refresh_token_expire_in"]
    shops = success(open_api(client, "GET", SHOPS_PATH, token=renewed["access_token"],
                             timestamp=NOW + 7 * DAY))["shops"]
    assert [shop["id"] for shop in shops] == [US_SHOP]


def test_a_revoked_refresh_token_means_authorizing_again(client):
    tokens = connect(client, [US_SHOP])
    revoked = client.post(SANDBOX + "/control/revoke", json={"shop_ids": [US_SHOP]})
    assert revoked.json() == {"revoked": 1}

    message = refused(refresh(client, tokens["refresh_token"]), 401, REFRESH_INVALID)
    assert "authorize" in message
    again = connect(client, [US_SHOP])
    success(refresh(client, again["refresh_token"]))


def test_revoking_one_shop_leaves_other_sellers_alone_and_all_revokes_every_one(client):
    tokens = connect(client, [GB_SHOP])
    assert client.post(SANDBOX + "/control/revoke", json={"shop_ids": [SG_SHOP]}).json() == {
        "revoked": 0}
    success(refresh(client, tokens["refresh_token"]))
    assert client.post(SANDBOX + "/control/revoke", json={"all": True}).json() == {"revoked": 1}
    refused(refresh(client, tokens["refresh_token"]), 401, REFRESH_INVALID)


def test_a_refresh_token_expires_after_thirty_days(client, clock):
    tokens = connect(client, [US_SHOP])
    clock.advance(30 * DAY)
    refused(refresh(client, tokens["refresh_token"]), 401, REFRESH_INVALID)


def test_refresh_refuses_a_wrong_secret_and_garbage(client):
    tokens = connect(client, [US_SHOP])
    refused(refresh(client, tokens["refresh_token"], app_secret="nope"), 401, UNKNOWN_APP)
    refused(refresh(client, "x" * 5000), 401, REFRESH_INVALID)
    refused(refresh(client, tokens["access_token"]), 401, REFRESH_INVALID)


def test_tokens_are_not_stored_in_the_clear(client, settings):
    tokens = connect(client, [US_SHOP])
    stored = b"".join(path.read_bytes() for path in settings.data_dir.glob("sandbox.sqlite3*"))
    assert stored  # the database is on disk
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert token.encode() not in stored


def test_authorizations_outlive_a_restart_on_the_same_data_dir(client, settings, clock):
    tokens = connect(client, [US_SHOP])
    restarted = mounted(create_app(settings, clock))
    with TestClient(restarted, base_url=OWN_ORIGIN) as other:
        assert shop_ids(other, tokens["access_token"]) == [US_SHOP]
        success(refresh(other, tokens["refresh_token"]))


def _hidden_state(page: str) -> str:
    import html
    return html.unescape(re.search(r'<input type="hidden" name="state" value="([^"]*)">',
                                   page).group(1))


@pytest.mark.parametrize("state", ["s" * 513, "é~ /?&=#" * 200, "x" * 2048])
def test_a_long_state_comes_back_whole_through_the_page(client, state):
    """open-api.md: TikTok redirects with the state the link carried; an app compares it
    with its own, so any cut would make it refuse its own seller."""
    page = client.get(AUTHORIZE, params={"service_id": SANDBOX_SERVICE_ID, "state": state})
    assert page.status_code == 200 and _hidden_state(page.text) == state

    response = client.post(AUTHORIZE, data={"service_id": SANDBOX_SERVICE_ID,
                                            "state": _hidden_state(page.text),
                                            "shop_id": [US_SHOP]}, follow_redirects=False)

    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["state"] == [state]


def test_a_state_too_long_to_come_back_whole_is_refused_in_plain_words(client):
    state = "s" * 2049
    page = client.get(AUTHORIZE, params={"service_id": SANDBOX_SERVICE_ID, "state": state})
    assert page.status_code == 400
    assert "state is 2049 bytes long" in page.text and "at most 2048" in page.text
    assert "checkbox" not in page.text  # nothing to authorize with a state the app won't get

    posted = client.post(AUTHORIZE, data={"service_id": SANDBOX_SERVICE_ID, "state": state,
                                          "shop_id": [US_SHOP]}, follow_redirects=False)
    assert posted.status_code == 400 and "state is 2049 bytes long" in posted.text
    control = client.post(SANDBOX + "/control/authorize",
                          json={"shop_ids": [US_SHOP], "state": "é" * 1025})
    assert control.status_code == 400 and "state is 2050 bytes long" in control.json()["error"]


def test_the_older_authorize_link_on_the_auth_host_shows_the_same_page(client):
    """``<auth host>/oauth/authorize?app_key=&state=`` (open-api.md, older apps)."""
    page = client.get(AUTH + "/oauth/authorize",
                      params={"app_key": SANDBOX_APP_KEY, "state": "old&app"})
    assert page.status_code == 200 and "Shops to authorize" in page.text
    assert f'<form method="post" action="{AUTHORIZE}">' in page.text
    assert _hidden_state(page.text) == "old&app"
    service_id = re.search(r'name="service_id" value="(\d+)"', page.text).group(1)

    response = client.post(AUTHORIZE, data={"service_id": service_id, "state": "old&app",
                                            "shop_id": [GB_SHOP]}, follow_redirects=False)

    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["old&app"]
    assert shop_ids(client, success(token_get(client, query["code"][0]))["access_token"]) == [
        GB_SHOP]


def test_the_older_authorize_link_with_an_unknown_app_key_says_so(client):
    page = client.get(AUTH + "/oauth/authorize", params={"app_key": "nope", "state": "s"})
    assert page.status_code == 400 and "No app has the app key nope" in page.text
