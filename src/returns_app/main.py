"""Entry point of the demo page (index.html): the seller's shop and the Returns & Refunds tab.

Reads ``[tiktok_widgets]`` from pyscript.toml, asks the backend who the seller
is (unless the config names the shop), starts loading the widget at once, and
mounts it whenever the shell shows the Returns tab, including a tab chosen
before Python was ready. With a backend, the requests waiting for an answer
show on the tab, the Orders pointer and the title, pushed by the backend as
TikTok's webhooks tell it (its event stream), refreshed when the page is seen
again, and every few minutes while the stream is down. Offline, a calm note beside the
widget says so; back online, the stream and a fresh count come at once.
"""

import asyncio
import time

import js
from pyscript import config, document, window
from pyscript.ffi import create_proxy
from returns_app.app import ReturnsApp
from returns_app.attention import AttentionView, BrowserNotifications
from returns_app.shop_header import ShopHeader
from returns_app.status_panel import StatusPanel
from returns_app.summary_watch import Notifier, SummaryWatch
from tiktokshop_widgets import (
    Backend,
    ConfigError,
    LiveEvents,
    SellerAccount,
    WidgetConfig,
    WidgetKit,
    returns_summary,
)
from tiktokshop_widgets.background import in_background


def start():
    app = None
    panel = StatusPanel(document, on_retry=lambda: app.retry())
    try:
        settings = WidgetConfig.from_dict(config.get("tiktok_widgets"))
    except ConfigError as error:
        panel.failed("The app's widget configuration needs fixing.", str(error), can_retry=False)
        return
    account = make_watch = None
    if settings.backend_url is not None:
        backend = Backend(settings.backend_url, timeout=settings.token_timeout)
        account = SellerAccount(backend)

        def make_watch(shop_id, on_refreshed):
            return watch_summary(backend, shop_id, on_refreshed,
                                 on_connection=lambda change: app.connection_changed(change),
                                 on_network=lambda online: app.network_changed(online))
    header = ShopHeader(document, on_switch=lambda shop_id: app.switch_later(shop_id))
    app = ReturnsApp(settings, panel, header, make_kit=WidgetKit, account=account,
                     make_watch=make_watch, first_row=first_row)
    document.addEventListener("shell:tab", create_proxy(lambda event: app.follow(event.detail.tab)))
    app.follow(document.body.dataset.tab)
    in_background(app.start())


# Resolves once the widget in `selector` shows an item of its list (its first
# row), an alert (its error), or after `wait_ms` whatever it shows.
FIRST_ROW = js.Function("selector", "wait_ms", """return new Promise((resolve) => {
  const container = document.querySelector(selector);
  const shown = () => container.querySelector('li, [role="listitem"], [role="row"], [role="alert"]');
  if (!container || shown()) return resolve();
  const observer = new MutationObserver(() => { if (shown()) done(); });
  const timer = setTimeout(() => done(), wait_ms);
  const done = () => { observer.disconnect(); clearTimeout(timer); resolve(); };
  observer.observe(container, { childList: true, subtree: true });
});""")
FIRST_ROW_WAIT_MS = 5000


async def first_row(selector):
    await FIRST_ROW(selector, FIRST_ROW_WAIT_MS)


def watch_summary(backend, shop_id, on_refreshed, on_connection, on_network):
    """The SummaryWatch of the page, refreshing on its own from now on, and following the
    backend's event stream once the app says so (``go_live``): the stream also tells when
    the browser goes offline and comes back (``on_network``)."""
    notifier = Notifier(lambda title, body: notifications.show(title, body))
    notifications = BrowserNotifications(window, document, notifier)
    live = LiveEvents(backend, on_connection=on_connection, on_network=on_network)
    watch = SummaryWatch(lambda fresh: returns_summary(backend, shop_id(), fresh),
                         AttentionView(document), now=time.time,
                         notifier=notifier, on_refreshed=on_refreshed, live=live)

    def pushed(shop, summary):
        if shop == shop_id():
            watch.pushed(summary)

    live.on_summary = pushed
    live.on_state = watch.stream_changed

    def seen_again(event):
        if document.visibilityState == "visible":
            watch.refresh_later()

    document.addEventListener("visibilitychange", create_proxy(seen_again))
    in_background(watch.run(asyncio.sleep))
    return watch


start()
