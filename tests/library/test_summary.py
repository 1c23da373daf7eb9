"""returns_summary: what waits for the seller, from the backend, checked."""

import asyncio

import pytest

from tiktokshop_widgets import Backend, BackendError, ReturnsSummary, returns_summary

from .fake_page import FakeFetch, FakePage, as_js_drives_it

pytestmark = pytest.mark.anyio
BACKEND = "https://backend.example"
SUMMARY = {"awaiting": 3, "due_within_24h": 1, "next_deadline": 1767258000,
           "checked_at": 1767225600, "newest_request_at": 1767220000,
           "next_deadline_return_id": "4035"}


def backend(*replies):
    fetch = FakeFetch(*replies)
    return Backend(BACKEND, fetch=fetch, page=FakePage()), fetch


async def test_the_summary_of_a_shop():
    shop_backend, fetch = backend((200, {"code": 0, "message": "success", "data": SUMMARY}))
    summary = await returns_summary(shop_backend, "7495610000000000001")
    assert summary == ReturnsSummary(3, 1, 1767258000, 1767225600, 1767220000, "4035")
    assert fetch.requests[0][0] == BACKEND + "/api/v1/returns/summary?outer_shop_id=7495610000000000001"


async def test_a_fresh_summary_is_asked_for_after_a_decision():
    shop_backend, fetch = backend((200, {"code": 0, "data": SUMMARY}))
    await returns_summary(shop_backend, "1", fresh=True)
    assert fetch.requests[0][0].endswith("?outer_shop_id=1&fresh=1")


async def test_nothing_waiting_has_no_deadline():
    nothing = {"awaiting": 0, "due_within_24h": 0, "next_deadline": None, "checked_at": 1}
    shop_backend, _ = backend((200, {"code": 0, "data": nothing}))
    summary = await returns_summary(shop_backend, "1")
    assert (summary.awaiting, summary.next_deadline, summary.newest_request_at) == (0, None, None)


@pytest.mark.parametrize("data, complaint", [
    (None, "is missing"),
    ({"due_within_24h": 0, "checked_at": 1}, "has no count awaiting"),
    ({"awaiting": -1, "due_within_24h": 0}, "has no count awaiting"),
    ({"awaiting": True, "due_within_24h": 0}, "has no count awaiting"),
    ({"awaiting": 1, "due_within_24h": 0, "next_deadline": "soon"},
     "has a next_deadline that is not a time"),
])
async def test_a_malformed_summary_is_refused_with_what_is_wrong(data, complaint):
    shop_backend, _ = backend((200, {"code": 0, "data": data}))
    with pytest.raises(BackendError) as refused:
        await returns_summary(shop_backend, "1")
    assert str(refused.value) == "The app's server's summary of return requests " + complaint + "."


async def test_a_failing_backend_is_a_backend_error():
    shop_backend, _ = backend((503, {"code": 1, "message": "busy"}))
    with pytest.raises(BackendError) as failed:
        await returns_summary(shop_backend, "1")
    assert failed.value.status == 503


async def test_the_summary_may_be_awaited_where_micropython_runs_no_asyncio():
    # An async event handler, or a script's top level, on MicroPython.
    shop_backend, _ = backend((200, {"code": 0, "data": SUMMARY}),
                              (403, {"code": 40300, "message": "not your shop", "data": None}))
    summary = await as_js_drives_it(returns_summary(shop_backend, "7495610000000000001"))
    assert summary.awaiting == 3
    with pytest.raises(BackendError, match="HTTP 403: not your shop"):
        await as_js_drives_it(returns_summary(shop_backend, "1"))


async def test_a_timed_out_request_is_left_to_end_not_cancelled():
    # A woken tab's overdue timeout fires with the reply still in flight: the seller gets
    # "did not answer", and the fetch (a JS promise, which cancelling would not stop and
    # Pyodide would report when it settles) ends on its own, its reply dropped.
    fetch = FakeFetch((200, {"code": 0, "data": SUMMARY}), answering=False)
    cancelled = []

    async def uncancellable(url, **options):
        try:
            return await fetch(url, **options)
        except BaseException as error:
            cancelled.append(error)
            raise

    slow = Backend(BACKEND, fetch=uncancellable, timeout=0.05, page=FakePage())
    with pytest.raises(BackendError, match="did not answer within 0.05 s") as error:
        await returns_summary(slow, "1")
    assert error.value.kind == "timeout"
    fetch.gate.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert cancelled == [] and len(fetch.requests) == 1
