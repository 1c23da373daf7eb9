"""The demo app as the seller meets it: their shops first, then the widget; switching; connecting."""

import asyncio

import pytest

from returns_app.app import ReturnsApp
from returns_app.summary_watch import SummaryWatch
from tests.library.fake_page import until
from tiktokshop_widgets import (
    BackendError,
    ReturnsSummary,
    Seller,
    SellerNotConnected,
    Shop,
    TokenError,
    WidgetConfig,
)

from .fakes import Account, Header, Kit, Panel

pytestmark = pytest.mark.anyio

MAPLE = Shop("7495610000000000001", "Maple & Co", "US")
THAMES = Shop("7495610000000000002", "Thames Home Goods", "GB")
CONNECT = "https://backend.example/auth/tiktok/start"


def seller(current):
    return Seller("Demo Seller", [MAPLE, THAMES], current.id, CONNECT)


def config(**fields):
    section = {"backend_url": "https://backend.example", "app_key": "6sandboxapp01",
               "isv_name": "DEMO", "widgets": ["@tiktokshop-widget/reverse:ManageReturns"],
               "sdk_url": "https://cdn.example/widget-kit.js"}
    section.update(fields)
    return WidgetConfig.from_dict(section)


class Summaries:
    """The backend's summaries: per shop, a ReturnsSummary or an error to raise; what each
    request asked for kept in ``asked``."""

    def __init__(self, **by_shop):
        self.by_shop = by_shop
        self.asked = []

    async def __call__(self, shop_id, fresh):
        self.asked.append(shop_id)
        answer = self.by_shop[shop_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Attention:
    """The badge, pointer and title: the counts shown, "stale" when marked so."""

    def __init__(self):
        self.shown = []

    def show(self, summary, now):
        self.shown.append(summary.awaiting)

    def stale(self):
        self.shown.append("stale")


class App:
    """A ReturnsApp with its fakes, the kits it made kept in ``kits``; with ``summaries``,
    the waiting requests it shows outside the widget in ``attention``."""

    def __init__(self, settings, account, kit_failures=(), summaries=None):
        self.panel, self.header, self.kits = Panel(), Header(), []
        self.attention = Attention()

        def make_kit(settings):
            self.kits.append(Kit(*kit_failures, config=settings))
            return self.kits[-1]

        def make_watch(shop_id, on_refreshed):
            return SummaryWatch(lambda fresh: summaries(shop_id(), fresh), self.attention,
                                now=lambda: 1_767_225_600, on_refreshed=on_refreshed)

        self.app = ReturnsApp(settings, self.panel, self.header, make_kit, account,
                              make_watch if summaries is not None else None)


async def test_the_sellers_current_shop_is_shown_and_its_widget_mounted():
    shown = App(config(), Account(seller(MAPLE)))
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1] == ("mounted",))
    assert shown.header.shown == [("shop", "Maple & Co", [MAPLE.id, THAMES.id])]
    (kit,) = shown.kits
    assert (kit.config.shop_id, kit.config.region) == (MAPLE.id, "US")
    assert kit.preloaded == ["@tiktokshop-widget/reverse:ManageReturns"]
    assert shown.panel.shown[0] == ("loading", "Loading your shops…")
    assert kit.mounts == 1


async def test_a_shop_named_in_the_config_needs_no_backend():
    shown = App(config(backend_url=None, shop_id=MAPLE.id, region="US", token_url="/token"),
                account=None)
    await shown.app.start()
    assert shown.header.shown == []
    assert shown.kits[0].config.shop_id == MAPLE.id


async def test_switching_updates_the_kit_in_place():
    shown = App(config(), Account(seller(MAPLE), seller(THAMES)))
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1][0] in ("mounted", "failed"))
    await shown.app.switch(THAMES.id)
    (kit,) = shown.kits  # the same kit: widget-kit's update, not a new page
    assert [(c.shop_id, c.region) for c in kit.updates] == [(THAMES.id, "GB")]
    assert shown.header.shown[-2:] == [("busy",), ("shop", "Thames Home Goods",
                                                   [MAPLE.id, THAMES.id])]
    assert kit.mounts == 1  # the mounted widget follows the new shop itself


async def test_a_failed_widget_gets_another_try_in_the_new_shop():
    refused = TokenError("http", "HTTP 403: not a seller of this shop", status=403)
    shown = App(config(), Account(seller(MAPLE), seller(THAMES)), kit_failures=[refused])
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1][0] in ("mounted", "failed"))
    assert shown.panel.shown[-1][0] == "failed"
    await shown.app.switch(THAMES.id)
    assert shown.kits[0].mounts == 2
    assert shown.panel.shown[-1] == ("mounted",)


async def test_a_failed_switch_says_why_and_keeps_the_shop_shown():
    down = BackendError("network", "The app's server could not be reached")
    shown = App(config(), Account(seller(MAPLE), down))
    await shown.app.start()
    await shown.app.switch(THAMES.id)
    assert shown.header.shown[-1] == (
        "failed", "Could not switch shops: The app's server could not be reached.")
    assert shown.kits[0].updates == []


async def test_a_seller_with_no_shop_connected_is_asked_to_connect_not_shown_an_error():
    not_connected = SellerNotConnected("http", "No TikTok Shop is connected", status=401,
                                       connect_url=CONNECT)
    shown = App(config(), Account(not_connected))
    await shown.app.start()
    assert shown.header.shown == [("connect", CONNECT)]
    assert shown.panel.shown[-1] == ("connect", "Connect your TikTok Shop", CONNECT)
    assert shown.kits == []


async def test_a_lapsed_connection_asks_to_connect_again():
    lapsed = SellerNotConnected("http", "Reconnect", status=401, connect_url=CONNECT,
                                reconnect=True)
    shown = App(config(), Account(lapsed))
    await shown.app.start()
    assert shown.panel.shown[-1] == ("connect", "Connect your TikTok Shop again", CONNECT)


async def test_an_unreachable_backend_can_be_retried():
    down = BackendError("network", "The app's server could not be reached")
    shown = App(config(), Account(down, seller(MAPLE)))
    shown.app.follow("returns")
    await shown.app.start()
    assert shown.panel.shown[-1] == (
        "failed", "Could not get your shops from the app's server.",
        "The app's server could not be reached. Check your connection, then retry.", True)
    await shown.app.retry()
    await until(lambda: shown.panel.shown[-1][0] in ("mounted", "failed"))
    assert shown.panel.shown[-1] == ("mounted",)


def waiting(count):
    return ReturnsSummary(count, 0, None, 1_767_225_600)


async def test_after_a_switch_the_badge_counts_the_new_shops_requests():
    summaries = Summaries(**{MAPLE.id: waiting(3), THAMES.id: waiting(5)})
    shown = App(config(), Account(seller(MAPLE), seller(THAMES)), summaries=summaries)
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.attention.shown == [3])

    await shown.app.switch(THAMES.id)
    await until(lambda: len(shown.attention.shown) == 2)
    assert shown.attention.shown == [3, 5] and summaries.asked == [MAPLE.id, THAMES.id]


async def test_a_failed_switch_is_said_until_the_backend_answers_again():
    down = BackendError("network", "The app's server could not be reached")
    summaries = Summaries(**{MAPLE.id: down})
    shown = App(config(), Account(seller(MAPLE), down), summaries=summaries)
    await shown.app.start()
    await until(lambda: shown.attention.shown == ["stale"])
    await shown.app.switch(THAMES.id)
    assert shown.header.shown[-1][0] == "failed"

    await shown.app.watch.refresh()  # the backend still down: the failure stays said
    assert shown.header.shown[-1][0] == "failed"
    summaries.by_shop[MAPLE.id] = waiting(3)  # back: the next summary clears it
    await shown.app.watch.refresh()
    assert shown.header.shown[-1] == ("recovered",)


async def test_a_widget_shown_after_a_failed_switch_clears_the_failure():
    down = BackendError("network", "The app's server could not be reached")
    shown = App(config(), Account(seller(MAPLE), down))
    await shown.app.start()
    await shown.app.switch(THAMES.id)
    assert shown.header.shown[-1][0] == "failed"

    shown.app.follow("returns")  # the widget's token came from the backend
    await until(lambda: shown.panel.shown[-1] == ("mounted",))
    assert shown.header.shown[-1] == ("recovered",)


async def test_a_backend_the_pages_policy_blocks_is_not_the_sellers_connection():
    blocked = BackendError("blocked", "The app's server could not be reached: this page's "
                                      "security settings do not allow it")
    shown = App(config(), Account(blocked))
    await shown.app.start()
    assert shown.panel.shown[-1] == (
        "failed", "Could not get your shops from the app's server.",
        "The app's server could not be reached: this page's security settings do not allow "
        "it. This page is not set up to reach it; please tell the app's support.", False)


async def test_a_connection_ending_soon_asks_to_reconnect_and_the_widget_still_shows():
    ending = seller(MAPLE)
    ending.reconnect_by = "2026-01-24T00:00:00Z"
    shown = App(config(), Account(ending, seller(THAMES)))
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1] == ("mounted",))
    assert shown.header.shown == [("shop", "Maple & Co", [MAPLE.id, THAMES.id]),
                                  ("reconnect", "2026-01-24T00:00:00Z", CONNECT)]

    await shown.app.switch(THAMES.id)  # reconnected meanwhile: the reminder goes
    assert shown.header.shown[-1] == ("shop", "Thames Home Goods", [MAPLE.id, THAMES.id])


async def test_a_removed_authorization_of_the_shown_shop_asks_to_connect_again_at_once():
    shown = App(config(), Account(seller(MAPLE)))
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1] == ("mounted",))
    shown.app.connection_changed({"shop_id": THAMES.id, "connected": False,
                                  "connect_url": CONNECT, "reconnect_by": None})
    assert shown.panel.shown[-1] == ("mounted",)  # another shop: nothing changes here
    shown.app.connection_changed({"shop_id": MAPLE.id, "connected": False,
                                  "connect_url": CONNECT, "reconnect_by": None})
    assert shown.panel.shown[-1] == ("connect", "Connect your TikTok Shop again", CONNECT)
    assert shown.header.shown[-1] == ("connect", CONNECT)
    await until(lambda: shown.kits[0].unmounts == 1)  # the widget goes
    for _ in range(10):
        await asyncio.sleep(0)
    # and the request to connect stays, not the unmounted tab's loading placeholder
    assert shown.panel.shown[-1] == ("connect", "Connect your TikTok Shop again", CONNECT)


async def test_an_expiry_ahead_of_the_shown_shop_is_a_reminder_only():
    shown = App(config(), Account(seller(MAPLE)))
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1] == ("mounted",))
    shown.app.connection_changed({"shop_id": MAPLE.id, "connected": True,
                                  "connect_url": CONNECT, "reconnect_by": "2026-01-24T00:00:00Z"})
    assert shown.header.shown[-1] == ("reconnect", "2026-01-24T00:00:00Z", CONNECT)
    assert shown.panel.shown[-1] == ("mounted",)


async def test_offline_is_a_note_beside_the_widget_and_back_online_the_count_is_asked_again():
    summaries = Summaries(**{MAPLE.id: waiting(3)})
    shown = App(config(), Account(seller(MAPLE)), summaries=summaries)
    shown.app.follow("returns")
    await shown.app.start()
    await until(lambda: shown.panel.shown[-1] == ("mounted",) and shown.attention.shown == [3])

    shown.app.network_changed(False)
    assert shown.panel.shown[-1] == ("offline",) and shown.kits[0].unmounts == 0
    summaries.by_shop[MAPLE.id] = waiting(4)  # a request came while the seller was away
    shown.app.network_changed(True)

    assert shown.panel.shown[-1] == ("online",)
    await until(lambda: shown.attention.shown == [3, 4])
    assert shown.kits[0].unmounts == 0
