"""The header's shop: its name, a switcher when the seller has several, "Connect another shop".

    header = ShopHeader(document, on_switch=app.switch)
    header.show(seller)           # one shop: its name; several: a <select>
    header.busy()                 # while a switch is under way
    header.failed("Could not switch to Thames Home Goods: ...")
    header.recovered()            # the backend answered again: the failure is old news
    header.connect(url)           # no shop yet: only the link to connect one
    header.reconnect("2026-01-24T00:00:00Z", url)   # "Reconnect before Jan 24, 2026, 12:00 AM"

It fills elements the page shell already painted (``shop``, ``shop-current``,
``shop-name``, ``shop-switcher``, ``shop-connect``, ``shop-message``), always
as text, and names the shop in the page's title.
"""

import js
from pyscript.ffi import create_proxy, to_js

# The seller's own date and time, in the browser's language and time zone.
WHEN = {"dateStyle": "medium", "timeStyle": "short"}


class ShopHeader:
    def __init__(self, document, on_switch):
        self._document = document
        self._area = document.getElementById("shop")
        self._switcher = document.getElementById("shop-switcher")
        self._switcher_label = document.getElementById("shop-switcher-label")
        self._current = document.getElementById("shop-current")
        self._name = document.getElementById("shop-name")
        self._connect = document.getElementById("shop-connect")
        self._message = document.getElementById("shop-message")
        self._shown_shop_id = None
        self._failure_shown = False
        # One listener for the page's lifetime: the options change, the element stays.
        self._switcher.addEventListener("change", create_proxy(
            lambda event: self._switched(on_switch)))

    def show(self, seller):
        """The seller's current shop, and the others to switch to."""
        shop = seller.current_shop
        self._shown_shop_id = shop.id
        several = len(seller.shops) > 1
        self._switcher.replaceChildren()
        for each in seller.shops:
            option = self._document.createElement("option")
            option.value = each.id
            option.textContent = each.name + " (" + each.region + ")"
            option.selected = each.id == shop.id
            self._switcher.append(option)
        self._switcher.hidden = not several
        self._switcher_label.hidden = not several
        self._switcher.disabled = False
        self._current.hidden = several
        self._name.textContent = shop.name
        self._document.title = "Seller app · " + shop.name
        self._show_connect(seller.connect_url, "Connect another shop")
        self._show_message("")
        self._area.hidden = False

    def busy(self):
        self._switcher.disabled = True
        self._show_message("Switching shop…")

    def failed(self, text):
        """Say why a switch failed; the switcher goes back to the shop still shown."""
        self._switcher.value = self._shown_shop_id
        self._switcher.disabled = False
        self._show_message(text, failure=True)

    def recovered(self):
        """A call to the backend succeeded since: a failure said here is cleared."""
        if self._failure_shown:
            self._show_message("")

    def reconnect(self, by, url):
        """The connection ends at ``by`` (ISO 8601 UTC): the link to reconnect says before when."""
        when = js.Date.new(by).toLocaleString(js.navigator.language, to_js(WHEN))
        self._show_connect(url, "Reconnect before " + when)

    def connect(self, url):
        """No shop to show: only the way to connect one."""
        self._switcher.hidden = self._switcher_label.hidden = self._current.hidden = True
        self._show_connect(url, "Connect your TikTok Shop")
        self._show_message("")
        self._area.hidden = False

    def _show_message(self, text, failure=False):
        self._message.textContent = text
        self._failure_shown = failure

    def _show_connect(self, url, text):
        self._connect.hidden = not url
        if url:
            self._connect.href = url
            self._connect.textContent = text

    def _switched(self, on_switch):
        shop_id = self._switcher.value
        if shop_id != self._shown_shop_id:
            on_switch(shop_id)
