"""Credentials in TikTok's auth URLs are masked before logging; nothing else is touched."""

import pytest

from tiktokshop_protocol import redact_query


@pytest.mark.parametrize("url, expected", [
    ("/api/v2/token/get?app_key=k&app_secret=s3cret&auth_code=c0de&grant_type=authorized_code",
     "/api/v2/token/get?app_key=k&app_secret=***&auth_code=***&grant_type=authorized_code"),
    ("https://auth.example/api/v2/token/refresh?refresh_token=r.t-1&app_secret=",
     "https://auth.example/api/v2/token/refresh?refresh_token=***&app_secret=***"),
    ("/x?access_token=abc#frag", "/x?access_token=***#frag"),
    ("/x?my_app_secret=keep&app_key=6sandboxapp01", "/x?my_app_secret=keep&app_key=6sandboxapp01"),
    ("/authorization/202309/shops?app_key=k&sign=abc", "/authorization/202309/shops?app_key=k&sign=abc"),
])
def test_credentials_are_masked_and_the_rest_kept(url, expected):
    assert redact_query(url) == expected
