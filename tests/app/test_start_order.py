"""The app's start order: the returns summary is no part of the widget's first row."""

import asyncio

import pytest

from returns_app.app import CONTAINER, ReturnsApp
from tests.library.fake_page import until
from tiktokshop_widgets import Seller, Shop, WidgetConfig

from .fakes import Account, Header, Kit, Panel

pytestmark = pytest.mark.anyio

MAPLE = Shop("7495610000000000001", "Maple & Co", "US")


class Watch:
    def __init__(self):
        self.refreshes = 0

    async def refresh(self, fresh=False):
        self.refreshes += 1

    def decided(self):
        pass


class Started:
    """A ReturnsApp whose widget's first row shows when the test says (``row.set()``)."""

    def __init__(self, tab):
        settings = WidgetConfig.from_dict({
            "backend_url": "https://backend.example", "app_key": "6sandboxapp01",
            "isv_name": "DEMO", "widgets": ["@tiktokshop-widget/reverse:ManageReturns"],
            "sdk_url": "https://cdn.example/widget-kit.js"})
        self.panel, self.watch, self.row, self.waited_for = Panel(), Watch(), asyncio.Event(), []

        async def first_row(container):
            self.waited_for.append(container)
            await self.row.wait()

        self.app = ReturnsApp(settings, self.panel, Header(), lambda settings: Kit(config=settings),
                              Account(Seller("Demo Seller", [MAPLE], MAPLE.id, None)),
                              make_watch=lambda shop_id, on_refreshed: self.watch,
                              first_row=first_row)
        self.app.follow(tab)


async def test_on_the_returns_tab_the_first_summary_waits_for_the_widgets_first_row():
    started = Started("returns")
    await started.app.start()
    await until(lambda: started.panel.shown[-1] == ("mounted",))
    for _ in range(20):
        await asyncio.sleep(0)

    assert started.waited_for == [CONTAINER] and started.watch.refreshes == 0
    started.row.set()
    await until(lambda: started.watch.refreshes == 1)


async def test_on_another_tab_the_summary_is_what_the_seller_sees_and_goes_at_once():
    started = Started("orders")
    await started.app.start()

    await until(lambda: started.watch.refreshes == 1)
    assert started.waited_for == []
