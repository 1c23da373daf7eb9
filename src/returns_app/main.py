"""Entry point of the demo page (index.html): the Returns & Refunds tab in Python.

Reads ``[tiktok_widgets]`` from pyscript.toml, starts loading the widget at
once, and mounts it whenever the shell shows the Returns tab, including a tab
chosen before Python was ready.
"""

from pyscript import config, document
from pyscript.ffi import create_proxy
from returns_app.returns_tab import ReturnsTab
from returns_app.status_panel import StatusPanel
from tiktokshop_widgets import MANAGE_RETURNS, ConfigError, WidgetConfig, WidgetKit
from tiktokshop_widgets.background import in_background


def start():
    tab = None
    panel = StatusPanel(document, on_retry=lambda: tab.retry())
    try:
        settings = WidgetConfig.from_dict(config.get("tiktok_widgets"))
    except ConfigError as error:
        panel.failed("The app's widget configuration needs fixing.", str(error), can_retry=False)
        return
    kit = WidgetKit(settings)
    kit.preload(MANAGE_RETURNS)
    tab = ReturnsTab(kit, panel, container="#returns-widget")

    def follow(name):
        in_background(tab.show() if name == "returns" else tab.hide())

    document.addEventListener("shell:tab", create_proxy(lambda event: follow(event.detail.tab)))
    follow(document.body.dataset.tab)


start()
