"""The seed's native-JS integration (examples/native.html) against the sandbox,
with the real widget-kit 1.0.4 from npm: the reference the PyScript page follows."""

import json

import pytest
from playwright.sync_api import expect

from .returns_widget import (
    accept,
    pending_ids,
    reject,
    row,
    rows,
    show_all,
    wait_for_requests,
)

DEMO_SHOP = "7495610000000000001"
OTHER_SHOP = "7495610000000000002"
TOKEN_URL = "**/api/v1/widget/access_token?*"
RESOURCE_SEARCH = "https://api-widget-sg.tiktokshop.com/api/bso/v1/widget/resource_url/search"


def test_mounts_through_an_explicit_entry(page, server, console_errors, outside_requests):
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(server.url + "/examples/native.html")

    wait_for_requests(page)
    assert rows(page).count() >= 8
    expect(page.locator("#status")).to_have_text("Widget loaded.")
    assert server.url + "/sandbox/widgets/reverse/1.0.0/manifest.json" in loaded
    assert not any("tiktokshop.com" in url for url in loaded)
    assert console_errors == [] and outside_requests == []


def test_mounts_through_tiktoks_resource_lookup(page, server, console_errors, outside_requests):
    searches = []
    page.on("request", lambda request: request.url == RESOURCE_SEARCH and searches.append(
        json.loads(request.post_data)))
    page.goto(server.url + "/examples/native.html?lookup=tiktok")

    wait_for_requests(page)
    assert searches == [{"widget_release_key": {"widget_name": "@tiktokshop-widget/reverse:ManageReturns"}}]
    assert console_errors == [] and outside_requests == []


def test_accept_and_reject_are_kept_after_a_reload(page, server, fresh_sandbox, console_errors):
    page.goto(server.url + "/examples/native.html")
    wait_for_requests(page)
    accepted, rejected = pending_ids(page)[:2]

    accept(page, accepted)
    expect(page.locator("#status")).to_have_text(f"APPROVE_REFUND recorded for return {accepted}")
    reason = reject(page, rejected, comment="Photos show the item unused")

    page.reload()
    wait_for_requests(page)
    show_all(page)
    expect(row(page, accepted)).to_have_attribute("data-status", "RETURN_OR_REFUND_REQUEST_SUCCESS")
    expect(row(page, rejected)).to_have_attribute("data-status", "RETURN_OR_REFUND_REQUEST_REJECT")
    expect(row(page, rejected).get_by_test_id("mr-decision")).to_contain_text(reason)
    assert fresh_sandbox.decision_count(accepted) == 1
    assert console_errors == []


def serve_token(page, token: str, expire_at: int):
    body = {"code": 0, "message": "success", "data": {"token": token, "expire_at": str(expire_at)}}
    page.route(TOKEN_URL, lambda route: route.fulfill(json=body))


@pytest.mark.parametrize(
    "issue_token, code, words",
    [
        (lambda signer: signer.issue(DEMO_SHOP, ttl=-60), "36017005", "expired"),
        (lambda signer: signer.issue(OTHER_SHOP), "36017009", "shop"),
    ],
    ids=["expired-token", "foreign-shop-token"],
)
def test_a_refused_token_shows_the_platform_error_in_the_widget(page, server, token_signer,
                                                                 issue_token, code, words):
    issued = issue_token(token_signer)
    serve_token(page, issued.token, issued.expire_at)
    page.goto(server.url + "/examples/native.html")

    error = page.get_by_test_id("mr-error")
    expect(error).to_have_attribute("data-code", code, timeout=20_000)
    expect(error).to_contain_text(words)
    expect(rows(page)).to_have_count(0)
