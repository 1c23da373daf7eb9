"""Request signing against open-api.md's known answers, and what the signature covers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiktokshop_protocol import (
    REJECT_REASONS_PATH,
    RETURNS_SEARCH_PATH,
    SHOPS_PATH,
    return_approve_path,
    return_reject_path,
    sign,
)

SECRET = "sandboxsecret0123456789abcdef"
SEARCH_QUERY = {
    "app_key": "6sandboxapp01",
    "timestamp": "1767225600",
    "shop_cipher": "SANDBOX_US_CIPHER_0001",
    "page_size": "20",
}
SEARCH_BODY = b'{"return_status":["RETURN_OR_REFUND_REQUEST_PENDING"]}'
SHOPS_QUERY = {"app_key": "6sandboxapp01", "timestamp": "1767225600"}


def test_known_answer_returns_search_with_body():
    assert sign(SECRET, RETURNS_SEARCH_PATH, SEARCH_QUERY, SEARCH_BODY) == (
        "f0f4e6e528bb3ccfe8dfe4c07db0372971299527bb3561de8525f86a5a289621"
    )


def test_known_answer_shops_without_body():
    assert sign(SECRET, SHOPS_PATH, SHOPS_QUERY, b"") == (
        "b32fe8ed111cb62ef2ba8e272803f2072e2c96a8b07d3296289611d118829882"
    )


def test_sign_and_access_token_parameters_are_not_signed():
    with_extras = {**SHOPS_QUERY, "sign": "anything", "access_token": "tok"}
    assert sign(SECRET, SHOPS_PATH, with_extras, b"") == sign(SECRET, SHOPS_PATH, SHOPS_QUERY, b"")


@pytest.mark.parametrize(
    "changed",
    [
        {"secret": SECRET + "x"},
        {"path": RETURNS_SEARCH_PATH + "x"},
        {"query": {**SEARCH_QUERY, "page_size": "21"}},
        {"query": {**SEARCH_QUERY, "page_token": ""}},
        {"body": SEARCH_BODY + b" "},
    ],
    ids=["secret", "path", "query value", "extra parameter", "body byte"],
)
def test_every_signed_part_changes_the_signature(changed):
    parts = {"secret": SECRET, "path": RETURNS_SEARCH_PATH, "query": SEARCH_QUERY, "body": SEARCH_BODY}
    reference = sign(parts["secret"], parts["path"], parts["query"], parts["body"])
    parts.update(changed)
    assert sign(parts["secret"], parts["path"], parts["query"], parts["body"]) != reference


@given(st.permutations(list(SEARCH_QUERY.items())))
def test_query_order_does_not_matter(items):
    assert sign(SECRET, RETURNS_SEARCH_PATH, dict(items), SEARCH_BODY) == (
        "f0f4e6e528bb3ccfe8dfe4c07db0372971299527bb3561de8525f86a5a289621"
    )


def test_return_paths_are_filled_in_from_the_documented_templates():
    assert return_approve_path("4035") == "/return_refund/202309/returns/4035/approve"
    assert return_reject_path("4035") == "/return_refund/202309/returns/4035/reject"
    assert REJECT_REASONS_PATH == "/return_refund/202309/reject_reasons"
