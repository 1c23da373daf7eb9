"""What waits for the seller, shown outside the widget: a badge, the Orders pointer, the title.

    view = AttentionView(document)
    view.show(summary, now)   # "3" on the Returns tab, "(3)" in the title, the pointer's words
    view.stale()              # the last figures stay, marked as not current
    notifications = BrowserNotifications(window, document, notifier)   # the "Notify me" button

It fills elements the page shell already painted (``returns-badge``,
``returns-badge-count``, ``returns-badge-text`` in the Returns tab;
``returns-pointer``, ``returns-pointer-text``, ``notify-me`` on the Orders
tab), always as text.
"""

from pyscript.ffi import create_proxy, to_js
from tiktokshop_widgets.background import in_background

from .summary_watch import urgency, waiting_sentence


class AttentionView:
    def __init__(self, document):
        self._document = document
        self._badge = document.getElementById("returns-badge")
        self._badge_count = document.getElementById("returns-badge-count")
        self._badge_text = document.getElementById("returns-badge-text")
        self._pointer = document.getElementById("returns-pointer")
        self._pointer_text = document.getElementById("returns-pointer-text")

    def show(self, summary, now):
        count = summary.awaiting
        self._badge.hidden = count == 0
        self._badge_count.textContent = str(count)
        self._badge_text.textContent = (
            ", " + str(count) + (" return requests await" if count > 1 else
                                 " return request awaits") + " your response")
        self._badge.dataset.stale = "false"
        self._pointer_text.textContent = waiting_sentence(summary, now) + "."
        self._pointer.dataset.urgency = urgency(summary, now)
        self._pointer.dataset.stale = "false"
        self._pointer.dataset.checkedAt = str(summary.checked_at)  # when TikTok was asked
        title = _title_without_count(self._document.title)
        self._document.title = ("(" + str(count) + ") " + title) if count else title

    def stale(self):
        self._badge.dataset.stale = "true"
        self._pointer.dataset.stale = "true"


class BrowserNotifications:
    """The "Notify me" button and the browser's notifications, asked for only on its click."""

    def __init__(self, window, document, notifier):
        self._window = window
        self._notifier = notifier
        self._button = document.getElementById("notify-me")
        self._supported = hasattr(window, "Notification")
        if not self._supported:
            return
        self._button.hidden = False
        self._button.addEventListener("click", create_proxy(self._clicked))
        # Asked before (in an earlier visit) and still allowed: on without another click.
        if (window.Notification.permission == "granted"
                and window.localStorage.getItem("returns-notify") == "on"):
            self._enable()

    def show(self, title, body):
        if self._supported and self._window.Notification.permission == "granted":
            self._window.Notification.new(title, to_js({"body": body, "tag": title}))

    def _clicked(self, event):
        in_background(self._ask())

    async def _ask(self):
        permission = await self._window.Notification.requestPermission()
        if permission == "granted":
            self._window.localStorage.setItem("returns-notify", "on")
            self._enable()
        else:
            self._button.textContent = "Notifications are blocked in this browser"
            self._button.disabled = True

    def _enable(self):
        self._notifier.enabled = True
        self._button.textContent = "Notifications on"
        self._button.disabled = True


def _title_without_count(title):
    if title.startswith("(") and ") " in title:
        return title[title.index(") ") + 2:]
    return title
