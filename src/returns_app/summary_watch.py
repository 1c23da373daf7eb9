"""Keeps the count of waiting return requests current, and tells the seller when one is new.

    watch = SummaryWatch(fetch=lambda fresh: returns_summary(backend, shop_id, fresh),
                         view=attention, now=clock, notifier=Notifier(notifications.show),
                         on_refreshed=header.recovered)   # each summary had: the backend answers
    await watch.refresh()          # at start, when the page is visible again, after a switch
    watch.decided()                # the widget reported a decision: a fresh summary now
    await watch.run(asyncio.sleep) # every few minutes while no event stream is up
    watch = SummaryWatch(..., live=LiveEvents(backend))   # with the backend's event stream:
    watch.go_live()                # after the first row; live.on_summary -> watch.pushed
    watch.network_changed(True)    # back online: a summary now (live.on_network)

A summary that cannot be had changes nothing the seller relies on: the view
keeps its last figures, marked stale, and the next try comes sooner. Refreshes
run one at a time, so answers cannot arrive out of order. With ``live`` (a
``tiktokshop_widgets.LiveEvents``), the backend pushes a summary whenever TikTok
says a return changed (``pushed``): the periodic refresh then runs only while
the stream is down, and once more when it comes back (what it missed).
"""

import asyncio

from tiktokshop_widgets import WidgetError
from tiktokshop_widgets.background import in_background

REFRESH_EVERY = 180  # seconds between summaries while the page is open
RETRY_AFTER = 30     # seconds, after a summary failed
DUE_SOON = 4 * 3600  # a notification when the first deadline is closer than this


class SummaryWatch:
    def __init__(self, fetch, view, now, notifier=None, every=REFRESH_EVERY, retry_after=RETRY_AFTER,
                 on_refreshed=None, live=None):
        self._fetch = fetch
        self._live = live
        self.live = False  # the event stream is up: it brings the summaries
        self._checked_at = None  # of the summary shown last
        self._on_refreshed = on_refreshed
        self._view = view
        self._now = now
        self._notifier = notifier
        self._every = every
        self._retry_after = retry_after
        self._lock = asyncio.Lock()
        self.failing = False

    async def refresh(self, fresh=False):
        async with self._lock:
            try:
                summary = await self._fetch(fresh)
            except WidgetError:
                self.failing = True
                self._view.stale()
                return
            self._show(summary)

    def pushed(self, summary):
        """A summary the backend pushed: shown unless older than the one shown."""
        if self._checked_at is None or summary.checked_at >= self._checked_at:
            self._show(summary)

    def go_live(self):
        """Follow the backend's event stream from now on (after the first row, off its path)."""
        if self._live is not None:
            self._live.open()

    def network_changed(self, online):
        """The browser came back online (catch up: the stream may stay refused) or went off."""
        if online:
            self.refresh_later()

    def stream_changed(self, up):
        """The event stream came up (catch up on what it missed) or went down (poll again)."""
        self.live = up
        if up:
            self.refresh_later()

    def _show(self, summary):
        self.failing = False
        self._checked_at = summary.checked_at
        now = self._now()
        self._view.show(summary, now)
        if self._notifier is not None:
            self._notifier.consider(summary, now)
        if self._on_refreshed is not None:
            self._on_refreshed()

    def decided(self):
        """A decision was made in the widget: ask for a summary that reflects it."""
        in_background(self.refresh(fresh=True))

    def refresh_later(self):
        """``refresh`` for a JS event listener, which must get nothing back."""
        in_background(self.refresh())

    async def run(self, sleep):
        while True:
            await sleep(self._retry_after if self.failing else self._every)
            if not self.live:
                await self.refresh()


class Notifier:
    """What deserves a browser notification, each thing once: a new request, a close deadline.

    ``show(title, body)`` displays one; nothing is shown until ``enabled``
    (the seller asked for notifications). The first summary is the baseline:
    requests already waiting are not new.
    """

    def __init__(self, show, due_soon=DUE_SOON):
        self._show = show
        self._due_soon = due_soon
        self.enabled = False
        self._newest_seen = None
        self._deadlines_told = set()

    def consider(self, summary, now):
        newest = summary.newest_request_at
        if newest is not None:
            if self._newest_seen is not None and newest > self._newest_seen and self.enabled:
                self._show("New return request", "A buyer asked for a return or refund. "
                           + waiting_sentence(summary, now) + ".")
            if self._newest_seen is None or newest > self._newest_seen:
                self._newest_seen = newest
        deadline, return_id = summary.next_deadline, summary.next_deadline_return_id
        if (self.enabled and deadline is not None and return_id is not None
                and deadline - now < self._due_soon and return_id not in self._deadlines_told):
            self._deadlines_told.add(return_id)
            self._show("A return request is " + due_phrase(deadline - now),
                       "Answer return request " + return_id + " before its deadline.")


def waiting_sentence(summary, now):
    """"3 requests await your response; the first is due in 9 h" (no full stop)."""
    count = summary.awaiting
    if count == 0:
        return "No return request awaits your response"
    text = (str(count) + " requests await" if count > 1 else "1 request awaits") + " your response"
    if summary.next_deadline is None:
        return text
    return (text + ("; the first is " if count > 1 else "; it is ")
            + due_phrase(summary.next_deadline - now))


def due_phrase(seconds):
    """"due in 9 h", "overdue by 2 h": the time to a deadline, coarse as a person says it."""
    if seconds < 0:
        return "overdue by " + _duration(-seconds)
    return "due in " + _duration(seconds)


def urgency(summary, now):
    """"overdue", "urgent" (the first deadline within 24 h) or "" for the pointer's style."""
    if summary.awaiting == 0 or summary.next_deadline is None:
        return ""
    left = summary.next_deadline - now
    return "overdue" if left < 0 else "urgent" if left < 24 * 3600 else ""


def _duration(seconds):
    minutes = int(seconds // 60)
    if minutes < 60:
        return str(max(minutes, 1)) + " min"
    hours = minutes // 60
    if hours < 48:
        return str(hours) + " h"
    return str(hours // 24) + " days"
