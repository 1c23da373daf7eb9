"""What the Returns tab shows around the widget: loading, failure with Retry, activity.

    panel = StatusPanel(document, on_retry=tab.retry)
    panel.loading("Loading Returns & Refunds…")
    panel.failed("Could not get access…", "The token service answered HTTP 500.")
    panel.connect("Connect your TikTok Shop", "…to answer returns here.", connect_url)
    panel.mounted()                      # hides the placeholder: the widget fills the tab
    panel.activity("Accepted return 4035… (APPROVE_REFUND).")
    panel.network(False)                 # a calm note: offline, catching up once back

It fills elements the page shell already painted (``returns-status``,
``returns-retry``, ``returns-connect``, ``returns-activity``, ``returns-offline``),
always as text.
"""

from pyscript.ffi import create_proxy
from tiktokshop_widgets.background import in_background

OFFLINE = ("You are offline. What this page shows may be out of date: it catches up as soon "
           "as you are back online.")


class StatusPanel:
    def __init__(self, document, on_retry):
        self._status = document.getElementById("returns-status")
        self._headline = document.getElementById("returns-status-headline")
        self._detail = document.getElementById("returns-status-detail")
        self._retry = document.getElementById("returns-retry")
        self._connect = document.getElementById("returns-connect")
        self._activity = document.getElementById("returns-activity")
        self._offline = document.getElementById("returns-offline")
        # One listener for the page's lifetime: the button stays, only hidden.
        self._retry.addEventListener("click", create_proxy(lambda event: self._on_retry(on_retry)))

    def loading(self, headline):
        self._show("loading", headline, "")

    def failed(self, headline, detail, can_retry=True):
        self._show("failed", headline, detail)
        self._retry.hidden = not can_retry
        if can_retry:
            self._retry.focus()

    def connect(self, headline, detail, url):
        """Nothing to show until the seller connects a shop: the link that starts it."""
        self._show("connect", headline, detail)
        self._connect.href = url
        self._connect.hidden = False

    def mounted(self):
        self._status.hidden = True
        self._status.dataset.state = "mounted"

    def activity(self, text):
        self._activity.textContent = text

    def network(self, online):
        """Offline: a note beside the widget, which stays (no error wall); gone once back."""
        self._offline.textContent = "" if online else OFFLINE
        self._offline.hidden = online

    def _show(self, state, headline, detail):
        self._status.dataset.state = state
        self._headline.textContent = headline
        self._detail.textContent = detail
        self._retry.hidden = state != "failed"
        self._connect.hidden = True
        self._status.hidden = False

    def _on_retry(self, retry):
        # A double click starts one retry: the button is hidden until it fails again.
        self._retry.hidden = True
        in_background(retry())
