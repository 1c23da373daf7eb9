"""BackendToken: the reply the SDK gets, caching, sharing, and every failure named."""

import asyncio

import pytest

from tiktokshop_widgets import BackendToken, TokenError
from tiktokshop_widgets.backend import query_string
from tiktokshop_widgets.token import token_info

from .fake_page import FakeFetch, FakePage, FakeResponse, as_js_drives_it, until

pytestmark = pytest.mark.anyio
URL = "https://backend.example/api/v1/widget/access_token"
NOW = 1_800_000_000


def ok(token="tok-1", expire_at=NOW + 300):
    return 200, {"code": 0, "message": "success", "data": {"token": token, "expire_at": str(expire_at)}}


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def backend_token(backend, clock=None, page=None, **kwargs):
    return BackendToken(URL, outer_shop_id="7495610000000000001", fetch=backend,
                        clock=clock or Clock(), page=page or FakePage(), **kwargs)


async def test_hands_the_sdk_exactly_token_and_expire_at():
    backend = FakeFetch(ok())
    info = await backend_token(backend)()

    assert info == {"token": "tok-1", "expire_at": str(NOW + 300)}
    url, options = backend.requests[0]
    assert url == URL + "?outer_shop_id=7495610000000000001&partner_type=1"
    assert options["method"] == "GET" and options["credentials"] == "include"


async def test_reuses_a_token_until_shortly_before_it_expires():
    clock = Clock()
    backend = FakeFetch(ok("tok-1", NOW + 300), ok("tok-2", NOW + 600))
    token = backend_token(backend, clock, refresh_margin=60)

    assert (await token())["token"] == "tok-1"
    clock.now = NOW + 239
    assert (await token())["token"] == "tok-1"
    assert len(backend.requests) == 1
    clock.now = NOW + 241  # within the 60 s margin: fetch a fresh one
    assert (await token())["token"] == "tok-2"
    assert len(backend.requests) == 2


async def test_a_short_lived_token_is_refreshed_at_three_quarters_of_its_life():
    clock = Clock()
    backend = FakeFetch(ok("tok-1", NOW + 8), ok("tok-2", NOW + 16))
    token = backend_token(backend, clock, refresh_margin=60)

    await token()
    clock.now = NOW + 5
    assert (await token())["token"] == "tok-1"
    clock.now = NOW + 6
    assert (await token())["token"] == "tok-2"


async def test_concurrent_callers_share_one_request():
    backend = FakeFetch(ok(), answering=False)
    token = backend_token(backend)

    callers = asyncio.gather(*[token() for _ in range(10)])
    await until(lambda: backend.requests)
    backend.gate.set()
    results = await callers

    assert len(backend.requests) == 1
    assert all(result["token"] == "tok-1" for result in results)


async def test_concurrent_callers_share_one_failure_and_the_next_call_retries():
    backend = FakeFetch((500, {"code": 1, "message": "db down"}), ok())
    token = backend_token(backend)

    outcomes = await asyncio.gather(token(), token(), return_exceptions=True)
    assert all(isinstance(o, TokenError) for o in outcomes)
    assert len(backend.requests) == 1
    assert (await token())["token"] == "tok-1"


async def test_invalidate_forgets_the_cached_token():
    backend = FakeFetch(ok("tok-1"), ok("tok-2"))
    token = backend_token(backend)
    await token()
    token.invalidate()
    assert (await token())["token"] == "tok-2"


@pytest.mark.parametrize(
    "reply, kind, words",
    [
        ((500, {"code": 50000, "message": "database unavailable"}), "http",
         "answered HTTP 500: database unavailable."),
        ((401, {"code": 40100, "message": "sign in first"}), "http", "HTTP 401: sign in first"),
        ((502, "<html>Bad gateway</html>"), "http", "answered HTTP 502."),
        ((200, "<html>not json</html>"), "json", "not a JSON object"),
        ((200, "[1, 2]"), "json", "not a JSON object"),
        ((200, {"code": 36017009, "message": "shop not bound to app"}), "code",
         "refused: shop not bound to app (code 36017009)"),
        ((200, {"message": "no code"}), "code", "(code None)"),
        ((200, {"code": 0, "message": "success"}), "field", "no data object"),
        ((200, {"code": 0, "data": {"expire_at": "1900000000"}}), "field", "no token"),
        ((200, {"code": 0, "data": {"token": "t", "expire_at": "soon"}}), "field", "no valid expire_at"),
        ((200, {"code": 0, "data": {"token": "t"}}), "field", "no valid expire_at"),
        ((200, {"code": 0, "data": {"token": "t", "expire_at": str(NOW - 1)}}), "expired",
         "already expired"),
    ],
)
async def test_bad_replies_become_token_errors_naming_the_cause(reply, kind, words):
    with pytest.raises(TokenError) as error:
        await backend_token(FakeFetch(reply))()

    assert error.value.kind == kind
    assert words in str(error.value)


async def test_the_backends_code_and_message_are_kept():
    reply = (200, {"code": 36017009, "message": "shop not bound to app"})
    with pytest.raises(TokenError) as error:
        await backend_token(FakeFetch(reply))()
    assert (error.value.code, error.value.backend_message, error.value.status) == (
        36017009, "shop not bound to app", 200)


async def test_a_slow_backend_times_out():
    with pytest.raises(TokenError) as error:
        await backend_token(FakeFetch(ok(), answering=False), timeout=0.05)()
    assert error.value.kind == "timeout"
    assert "did not answer within 0.05 s" in str(error.value)


async def test_an_unreachable_backend_is_a_network_error_in_plain_words():
    page = FakePage()
    with pytest.raises(TokenError) as error:
        await backend_token(FakeFetch(RuntimeError("Failed to fetch")), page=page)()
    assert error.value.kind == "network"
    assert str(error.value) == "The token service could not be reached."
    assert error.value.browser_message == "Failed to fetch"  # the browser's words: not the seller's
    assert page.warnings == []  # the browser logs the failed request itself


async def test_a_backend_the_pages_own_policy_blocks_is_named_for_the_developer():
    page = FakePage()
    page.policy_blocks["https://backend.example/"] = "connect-src"
    with pytest.raises(TokenError) as error:
        await backend_token(FakeFetch(RuntimeError("Failed to fetch")), page=page)()
    assert error.value.kind == "blocked"
    assert str(error.value) == ("The token service could not be reached: this page's security "
                                "settings do not allow it.")
    (warning,) = page.warnings
    assert warning.startswith("The page's Content-Security-Policy blocked " + URL)
    assert "its connect-src does not allow https://backend.example. Add https://backend.example " \
           "to the policy's connect-src" in warning


def test_integer_expire_at_is_handed_on_as_a_string():
    assert token_info({"data": {"token": "t", "expire_at": 1900000000}}) == {
        "token": "t", "expire_at": "1900000000"}


def test_query_values_are_percent_encoded():
    assert query_string([("a b", "x&y=z/é")]) == "a%20b=x%26y%3Dz%2F%C3%A9"


async def test_an_existing_query_string_is_extended():
    backend = FakeFetch(ok())
    await BackendToken(URL + "?tenant=7", outer_shop_id="1", fetch=backend, clock=Clock(),
                       page=FakePage())()
    assert backend.requests[0][0] == URL + "?tenant=7&outer_shop_id=1&partner_type=1"


async def test_callers_waiting_on_a_cancelled_request_get_a_token_error():
    backend = FakeFetch(ok(), answering=False)
    token = backend_token(backend)
    first = asyncio.create_task(token())
    await until(lambda: backend.requests)
    waiter = asyncio.create_task(token())
    await asyncio.sleep(0)  # one turn of the loop: the waiter waits on the first request
    first.cancel()

    with pytest.raises(TokenError, match="interrupted"):
        await waiter


async def test_the_timeout_covers_the_whole_reply_not_each_part():
    class BodyThatNeverComes(FakeResponse):
        async def text(self):
            await asyncio.Event().wait()

    async def headers_at_once(url, **options):
        return BodyThatNeverComes(200, "")

    token = BackendToken(URL, outer_shop_id="1", fetch=headers_at_once,
                         clock=Clock(), timeout=0.05, page=FakePage())
    with pytest.raises(TokenError, match="within 0.05 s"):
        await token()


def test_only_ascii_digits_make_an_expire_at():
    with pytest.raises(TokenError, match="no valid expire_at"):
        token_info({"data": {"token": "t", "expire_at": "²"}})


async def test_tokens_may_be_awaited_where_micropython_runs_no_asyncio():
    # Two async event handlers at once on MicroPython: they share one request, and a
    # backend that does not answer in time is a TokenError, not a broken handler.
    backend = FakeFetch(ok(), answering=False)
    token = backend_token(backend, timeout=0.05)
    first = asyncio.ensure_future(as_js_drives_it(token()))
    second = asyncio.ensure_future(as_js_drives_it(token()))
    await until(lambda: backend.requests)
    backend.gate.set()
    assert (await first)["token"] == (await second)["token"] == "tok-1"
    assert len(backend.requests) == 1

    silent = backend_token(FakeFetch(ok(), answering=False), timeout=0.05)
    with pytest.raises(TokenError, match="did not answer within 0.05 s"):
        await as_js_drives_it(silent())
