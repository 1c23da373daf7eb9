"""The demo seller app: who the seller is, their shop in the header, the Returns tab.

    app = ReturnsApp(settings, panel, header, make_kit=WidgetKit, account=account,
                     make_watch=lambda shop_id, on_refreshed: SummaryWatch(...),
                     first_row=lambda container: ...)   # awaitable: the widget's first row shown
    await app.start()            # asks the backend for the seller's shops, then the widget
    app.follow("returns")        # the shell's tab changed
    await app.switch("7495610000000000002")   # the header's switcher

With ``shop_id`` in the config the app shows that shop and asks the backend
nothing but tokens. With ``backend_url`` alone it asks who the seller is
first: a seller with no TikTok Shop connected sees "Connect your TikTok Shop"
(the backend's OAuth start), not an error, and one whose connection ends
within days "Reconnect before <date>" in the header, the widget working
meanwhile; one with several shops gets a
switcher, and switching swaps the widget's shop in place, without a reload; a
failed switch is said in the header until the backend answers again (a
summary, a widget token, another switch).
With a backend, the return requests waiting for the seller are counted
outside the widget too (``summary_watch``): at start, after each decision,
after a switch, and every few minutes. The first summary is no part of the
widget's first row, so it waits for it (``first_row``) when the Returns tab
is what the seller sees first; on another tab it is what they see, and goes at once.
"""

from tiktokshop_widgets import MANAGE_RETURNS, BackendError, SellerNotConnected, WidgetError
from tiktokshop_widgets.background import in_background

from .returns_tab import ReturnsTab, advice_for, ask_to_connect, sentence

CONTAINER = "#returns-widget"


class ReturnsApp:
    def __init__(self, settings, panel, header, make_kit, account=None, make_watch=None,
                 first_row=None):
        self.settings = settings
        self._first_row = first_row
        # make_watch(shop_id, on_refreshed) -> SummaryWatch; shop_id() is the current shop,
        # on_refreshed() to be called after each summary had
        self._make_watch = make_watch
        self.watch = None
        self.panel = panel
        self.header = header
        self.account = account
        self._make_kit = make_kit
        self.kit = None
        self.tab = None
        self.shown_tab = None

    async def start(self):
        if self.settings.shop_chosen:
            self._open(self.settings)
        else:
            await self._load_seller()

    def follow(self, tab_name):
        """The shell shows ``tab_name``: mount or unmount the widget to match."""
        self.shown_tab = tab_name
        if self.tab is not None:
            in_background(self.tab.show() if tab_name == "returns" else self.tab.hide())

    async def retry(self):
        if self.tab is not None:
            await self.tab.retry()
        else:
            await self._load_seller()

    async def switch(self, shop_id):
        """Make ``shop_id`` the current shop and show its returns, in place."""
        self.header.busy()
        try:
            seller = await self.account.switch(shop_id)
            shop = seller.current_shop
            await self.kit.update(config=self.settings.for_shop(shop.id, shop.region))
        except SellerNotConnected as error:
            self._ask_to_connect(error)
            return
        except WidgetError as error:
            self.header.failed("Could not switch shops: " + sentence(str(error)))
            return
        self._show_seller(seller)
        if self.watch is not None:
            self.watch.refresh_later()
        await self.tab.shop_changed()

    def switch_later(self, shop_id):
        """``switch`` for a JS event listener, which must get nothing back."""
        in_background(self.switch(shop_id))

    async def _load_seller(self):
        self.panel.loading("Loading your shops…")
        try:
            seller = await self.account.load()
        except SellerNotConnected as error:
            self._ask_to_connect(error)
            return
        except BackendError as error:
            advice, can_retry = advice_for(error)
            self.panel.failed("Could not get your shops from the app's server.",
                              sentence(str(error)) + " " + advice, can_retry)
            return
        self._show_seller(seller)
        shop = seller.current_shop
        self._open(self.settings.for_shop(shop.id, shop.region))

    def _open(self, settings):
        self.kit = self._make_kit(settings)
        self.kit.preload(MANAGE_RETURNS)
        if self._make_watch is not None:
            self.watch = self._make_watch(lambda: self.kit.config.shop_id, self.header.recovered)
            in_background(self._first_summary())
        self.tab = ReturnsTab(self.kit, self.panel, CONTAINER,
                              on_decision=self.watch.decided if self.watch else None,
                              on_mounted=self.header.recovered)
        if self.shown_tab is not None:
            self.follow(self.shown_tab)

    def _show_seller(self, seller):
        self.header.show(seller)
        if seller.reconnect_by is not None:  # the connection ends soon: a reminder, no more
            self.header.reconnect(seller.reconnect_by, seller.connect_url)

    async def _first_summary(self):
        if self.shown_tab == "returns" and self._first_row is not None:
            await self._first_row(CONTAINER)
        await self.watch.refresh()
        self.watch.go_live()

    def connection_changed(self, change):
        """The backend says a shop's connection changed (a TikTok webhook): a shop whose
        authorization was removed asks to connect again; an expiry ahead, a reminder."""
        if self.kit is None or change["shop_id"] != self.kit.config.shop_id:
            return
        if not change["connected"]:
            asked = ask_to_connect(ConnectionRemoved(change["connect_url"]))
            self.header.connect(change["connect_url"])
            self.panel.connect(*asked)
            in_background(self._unmount_for(asked))
        elif change["reconnect_by"] is not None:
            self.header.reconnect(change["reconnect_by"], change["connect_url"])

    async def _unmount_for(self, asked):
        # The unmounted tab shows its loading placeholder: the request to connect goes
        # back over it.
        await self.tab.hide()
        self.panel.connect(*asked)

    def network_changed(self, online):
        """The browser went offline (said calmly, the widget left as it is) or came back
        (a summary at once: what changed meanwhile)."""
        self.panel.network(online)
        if self.watch is not None:
            self.watch.network_changed(online)

    def _ask_to_connect(self, error):
        self.header.connect(error.connect_url)
        self.panel.connect(*ask_to_connect(error))


class ConnectionRemoved:
    """What ``ask_to_connect`` reads of a removed authorization: connect again, there."""

    reconnect = True

    def __init__(self, connect_url):
        self.connect_url = connect_url
