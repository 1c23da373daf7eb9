"""BackendToken on a browser whose clock is 10 minutes off the server's.

The server answers as ``tiktokshop_backend`` does: ``expire_at`` on its own clock and
``expires_in``, the seconds left by that clock. Judged by ``expires_in``, a token is
neither refused while good nor handed out once expired, whichever way the browser's
clock is off; a backend sending only ``expire_at`` is judged on the browser's clock.
"""

import json

import pytest

from tiktokshop_widgets import BackendToken, TokenError
from tiktokshop_widgets.token import token_info

from .fake_page import FakePage, FakeResponse

pytestmark = pytest.mark.anyio
URL = "https://backend.example/api/v1/widget/access_token"
SERVER_NOW = 1_800_000_000
TTL = 300  # the sandbox's widget token lifetime
SKEWS = [600, -600]  # the browser's clock 10 minutes ahead, then behind


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


class Server:
    """The token endpoint on the server's clock: a new token at each request, TTL seconds
    to live; ``expires_in`` in the reply unless told otherwise. ``browser`` is the page's
    clock; both move on by ``each_way`` seconds while the request, then the reply, travel."""

    def __init__(self, browser, sends_expires_in=True, each_way=0):
        self.now = SERVER_NOW
        self.browser = browser
        self.sends_expires_in = sends_expires_in
        self.each_way = each_way
        self.expiries = {}  # token -> its end, on the server's clock

    async def __call__(self, url, **options):
        time_passes(self, self.browser, self.each_way)
        token = "tok-%d" % (len(self.expiries) + 1)
        self.expiries[token] = self.now + TTL
        data = {"token": token, "expire_at": str(self.expiries[token])}
        if self.sends_expires_in:
            data["expires_in"] = TTL
        time_passes(self, self.browser, self.each_way)
        return FakeResponse(200, json.dumps({"code": 0, "message": "success", "data": data}))

    def seconds_left(self, token):
        return self.expiries[token] - self.now


def time_passes(server, browser, seconds):
    server.now += seconds
    browser.now += seconds


def skewed(skew, **server_options):
    browser = Clock(SERVER_NOW + skew)
    server = Server(browser, **server_options)
    token = BackendToken(URL, outer_shop_id="7495610000000000001", fetch=server, clock=browser,
                         page=FakePage(), refresh_margin=60)
    return server, browser, token


@pytest.mark.parametrize("skew", SKEWS)
async def test_over_several_lifetimes_every_token_handed_out_is_good(skew):
    server, browser, token = skewed(skew)
    for _ in range(4 * TTL // 10):  # every 10 s for 4 token lifetimes
        info = await token()
        assert server.seconds_left(info["token"]) > 0
        # The widget compares expire_at with the browser's clock: it reads the time left.
        assert int(info["expire_at"]) - browser.now == server.seconds_left(info["token"])
        time_passes(server, browser, 10)
    assert 4 <= len(server.expiries) <= 6  # about one token a lifetime, not one a call


@pytest.mark.parametrize("skew", SKEWS)
async def test_a_token_is_reused_until_shortly_before_its_end_on_the_servers_clock(skew):
    server, browser, token = skewed(skew)
    first = await token()
    assert first == {"token": "tok-1", "expire_at": str(SERVER_NOW + skew + TTL)}
    time_passes(server, browser, TTL - 60 - 1)
    assert (await token())["token"] == "tok-1"
    time_passes(server, browser, 2)  # within the 60 s margin, by the server's clock
    assert (await token())["token"] == "tok-2"


async def test_the_time_the_request_takes_counts_against_the_token():
    browser = Clock(SERVER_NOW + 600)
    server = Server(browser, each_way=2)
    info = await BackendToken(URL, outer_shop_id="1", fetch=server, clock=browser,
                              page=FakePage())()
    # Counted from when the browser asked: its end comes 2 s early, never late.
    assert int(info["expire_at"]) == SERVER_NOW + 600 + TTL
    assert int(info["expire_at"]) - browser.now == server.seconds_left("tok-1") - 2


async def test_without_expires_in_a_browser_ahead_refuses_a_good_token():
    # The fallback for a backend that sends only expire_at: the browser's clock decides.
    server, browser, token = skewed(600, sends_expires_in=False)
    with pytest.raises(TokenError) as error:
        await token()
    assert error.value.kind == "expired"
    assert server.seconds_left("tok-1") == TTL


async def test_without_expires_in_a_browser_behind_keeps_an_expired_token():
    server, browser, token = skewed(-600, sends_expires_in=False)
    first = await token()
    assert first == {"token": "tok-1", "expire_at": str(SERVER_NOW + TTL)}
    time_passes(server, browser, TTL + 60)
    assert (await token())["token"] == "tok-1"
    assert server.seconds_left("tok-1") < 0


@pytest.mark.parametrize("expires_in", [0, -5, "0"])
def test_an_expires_in_with_nothing_left_is_an_expired_token(expires_in):
    reply = {"data": {"token": "t", "expire_at": str(SERVER_NOW + TTL), "expires_in": expires_in}}
    with pytest.raises(TokenError) as error:
        token_info(reply, SERVER_NOW)
    assert error.value.kind == "expired"


@pytest.mark.parametrize("expires_in", ["soon", "", "²", True, 1.5, None, "-5"])
def test_an_expires_in_that_is_no_whole_number_of_seconds_is_refused(expires_in):
    reply = {"data": {"token": "t", "expire_at": str(SERVER_NOW + TTL), "expires_in": expires_in}}
    with pytest.raises(TokenError) as error:
        token_info(reply, SERVER_NOW)
    assert error.value.kind == "field"
    assert "expires_in that is not a whole number of seconds" in str(error.value)


def test_expires_in_counts_from_the_browsers_time_rounded_down():
    reply = {"data": {"token": "t", "expire_at": "1", "expires_in": "300"}}
    assert token_info(reply, 1000.9) == {"token": "t", "expire_at": "1300"}


def test_a_reply_with_expires_in_still_needs_tiktoks_expire_at():
    with pytest.raises(TokenError, match="no valid expire_at"):
        token_info({"data": {"token": "t", "expires_in": 300}}, SERVER_NOW)
