"""The sandbox widget platform as widget-kit 1.0.4 meets it: search, manifest, entry."""

import json
import re

import pytest
from starlette.testclient import TestClient

WIDGET_NAME = "@tiktokshop-widget/reverse:ManageReturns"
SEARCH_URL = "/sandbox/api/bso/v1/widget/resource_url/search"
WIDGET_BASE = "/sandbox/widgets/reverse/1.0.0/"
MANIFEST_URL = WIDGET_BASE + "manifest.json"
ISV_PAGE = "http://localhost:9000"


def sdk_search(client, body: bytes, **headers):
    """POST the way widget-kit does: a JSON string with no content type of its own."""
    return client.post(SEARCH_URL, content=body, headers={"origin": ISV_PAGE, **headers})


def search_body(name=WIDGET_NAME) -> bytes:
    return json.dumps({"widget_release_key": {"widget_name": name}}).encode()


@pytest.mark.parametrize("content_type", [None, "text/plain;charset=UTF-8", "application/json"])
def test_search_finds_the_manifest_whatever_the_content_type(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = sdk_search(client, search_body(), **headers)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["code"] == 0 and body["message"] == "success"
    manifest_url = "http://127.0.0.1:8000" + MANIFEST_URL
    assert body["data"]["resource_url"] == {"va_url": manifest_url, "ttp_url": manifest_url}


def test_search_answers_a_json_preflight_from_any_page(client):
    response = client.options(
        SEARCH_URL,
        headers={
            "origin": ISV_PAGE,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_search_urls_follow_the_address_the_sandbox_was_reached_at(app):
    with TestClient(app, base_url="http://sandbox.test:8123") as other:
        body = sdk_search(other, search_body()).json()

    assert body["data"]["resource_url"]["va_url"] == "http://sandbox.test:8123" + MANIFEST_URL


def test_search_for_an_unknown_widget_is_a_json_404(client):
    response = sdk_search(client, search_body("@tiktokshop-widget/product:optimizer"))

    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["code"] != 0 and "@tiktokshop-widget/product:optimizer" in body["message"]
    assert body["data"] is None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b"null",
        b'{"widget_name": "@tiktokshop-widget/reverse:ManageReturns"}',
        b'{"widget_release_key": "@tiktokshop-widget/reverse:ManageReturns"}',
        b'{"widget_release_key": {"widget_name": 7}}',
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        search_body() + b" " * 5000,
    ],
)
def test_malformed_searches_get_a_json_400(client, raw):
    response = sdk_search(client, raw)

    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["code"] != 0 and "widget_release_key" in body["message"]


def test_manifest_has_what_widget_kit_reads(client):
    response = client.get(MANIFEST_URL)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    manifest = response.json()
    assert manifest == {
        "meta": {
            "type": "module",
            "name": WIDGET_NAME,
            "publicPath": "http://127.0.0.1:8000" + WIDGET_BASE,
            "entry": "remote-entry.js",
            "version": "1.0.0",
        },
        "assets": {"js": {"sync": [], "async": []}, "css": {"sync": [], "async": []}},
    }


def test_the_entry_registers_the_container_widget_kit_looks_for(client):
    meta = client.get(MANIFEST_URL).json()["meta"]
    entry = client.get(meta["publicPath"] + meta["entry"])

    # widget-kit: scope and expose from the name, container key from scope and version.
    scope, expose = meta["name"].split(":")
    assert entry.status_code == 200
    assert f'"__VMOK_{scope}:{meta["version"]}__"' in entry.text
    assert f'"./{expose}"' in entry.text


@pytest.mark.parametrize("file", ["remote-entry.js", "manage-returns.js"])
def test_widget_scripts_are_served_for_cross_origin_script_tags(client, file):
    response = client.get(WIDGET_BASE + file, headers={"origin": ISV_PAGE})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "no-cache"


def test_the_widget_module_exports_the_content_factory(client):
    source = client.get(WIDGET_BASE + "manage-returns.js").text

    assert re.search(r"^export default function \w+\(\)", source, re.MULTILINE)
    assert "innerHTML" not in source  # data only ever reaches the page as text


@pytest.mark.parametrize(
    "path",
    [
        WIDGET_BASE + "api.py",
        WIDGET_BASE + "..%2Fapi.py",
        WIDGET_BASE + "%2E%2E%2F%2E%2E%2Fsettings.py",
        "/sandbox/widgets/reverse/2.0.0/remote-entry.js",
    ],
)
def test_nothing_but_the_widget_files_is_served(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "import" not in response.text


def test_a_host_containing_return_still_gives_widget_kit_a_usable_public_path(app):
    # widget-kit runs a publicPath containing "return" as code: new Function(publicPath)().
    with TestClient(app, base_url="http://returns.example") as other:
        public_path = other.get(MANIFEST_URL).json()["meta"]["publicPath"]

    code = re.fullmatch(r"return (\".*\");", public_path)
    assert code and json.loads(code.group(1)) == "http://returns.example" + WIDGET_BASE
