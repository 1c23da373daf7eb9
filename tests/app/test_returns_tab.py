"""The demo's Returns tab: what it shows while loading, on failure and on decisions."""

import asyncio

import pytest

from returns_app.returns_tab import ReturnsTab, describe_decision, explain
from tests.library.fake_page import until
from tiktokshop_widgets import (
    SdkUnavailable,
    TokenError,
    WidgetLookupFailed,
    WidgetServiceError,
)

from .fakes import Kit, Panel

pytestmark = pytest.mark.anyio


async def test_the_widget_replaces_the_loading_placeholder():
    panel = Panel()
    tab = ReturnsTab(Kit(), panel, "#returns-widget")
    await tab.show()
    assert panel.shown == [("loading", "Loading Returns & Refunds…"), ("mounted",)]


async def test_a_failure_shows_its_cause_and_retry_recovers():
    panel = Panel()
    error = TokenError("http", "The token service answered HTTP 500", status=500)
    tab = ReturnsTab(Kit(error), panel, "#returns-widget")
    await tab.show()
    assert panel.shown[-1] == ("failed", "Could not get access to your TikTok Shop returns.",
                               "The token service answered HTTP 500. Retry in a moment; if it "
                               "keeps failing, tell the app's support.", True)
    await tab.retry()
    assert panel.shown[-1] == ("mounted",)


async def test_hiding_while_loading_shows_no_failure_later():
    panel = Panel()
    kit = Kit(loading=True)
    tab = ReturnsTab(kit, panel, "#returns-widget")
    showing = asyncio.create_task(tab.show())
    await until(lambda: kit.mounts == 1)
    await tab.hide()
    await showing
    assert ("mounted",) not in panel.shown
    assert all(entry[0] == "loading" for entry in panel.shown)


def blocked(error):
    error.kind = "blocked"
    return error


@pytest.mark.parametrize("error, headline, advice, can_retry", [
    (TokenError("http", "HTTP 401: sign in", status=401), "Could not get access",
     "Sign in to the app again, then retry.", True),
    (TokenError("http", "HTTP 403: not a seller of shop 1", status=403), "Could not get access",
     "This account cannot manage this shop's returns.", False),
    (TokenError("code", "refused (code 7)"), "Could not get access", "unusable answer", True),
    (SdkUnavailable("widget-kit could not be loaded"), "widget library could not be downloaded",
     "Check your connection", True),
    (blocked(SdkUnavailable("widget-kit could not be loaded: this page's security settings do "
                            "not allow it")), "widget library could not be downloaded",
     "This page is not set up to reach it; please tell the app's support.", False),
    (TokenError("network", "The token service could not be reached"), "Could not get access",
     "Check your connection, then retry.", True),
    (TokenError("blocked", "The token service could not be reached: this page's security "
                "settings do not allow it"), "Could not get access",
     "This page is not set up to reach it; please tell the app's support.", False),
    (WidgetLookupFailed("Failed to get the latest version"), "could not find the Returns",
     "retry in a moment", True),
    (WidgetServiceError("Internal service error"), "could not be loaded from TikTok Shop",
     "retry in a moment", True),
])
def test_the_advice_fits_the_failure(error, headline, advice, can_retry):
    shown_headline, detail, shown_can_retry = explain(error)
    assert headline in shown_headline
    assert detail.startswith(str(error).rstrip(".") + ".") and advice in detail
    assert shown_can_retry is can_retry


def test_decisions_are_told_in_the_sellers_words():
    assert describe_decision({"code": 0, "return_id": "4035", "decision": "APPROVE_REFUND"}) == (
        "Return 4035: refund approved.")
    assert describe_decision({"code": 0, "return_id": "4036", "decision": "REJECT_RETURN"}) == (
        "Return 4036: return rejected.")
    assert describe_decision({"code": 99001409, "return_id": "4037", "decision": "APPROVE_REFUND"}) == (
        "Return 4037: the decision was not recorded (code 99001409).")


async def test_the_widgets_results_reach_the_activity_line():
    panel = Panel()
    kit = Kit()
    tab = ReturnsTab(kit, panel, "#returns-widget")
    await tab.show()
    kit.props["on_result"]({"code": 0, "return_id": "4035", "decision": "APPROVE_REFUND"})
    assert panel.lines == ["Return 4035: refund approved."]


async def test_a_token_refused_because_the_shop_must_be_connected_again_offers_to_connect():
    panel = Panel()
    lapsed = TokenError("http", "The token service answered HTTP 401", status=401, code=40101,
                        connect_url="https://backend.example/auth/tiktok/start", reconnect=True)
    tab = ReturnsTab(Kit(lapsed), panel, "#returns-widget")
    await tab.show()
    assert panel.shown[-1] == ("connect", "Connect your TikTok Shop again",
                               "https://backend.example/auth/tiktok/start")
