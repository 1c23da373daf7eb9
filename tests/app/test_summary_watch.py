"""The waiting requests outside the widget: words, refreshes, staleness, notifications."""

import asyncio

import pytest

from returns_app.summary_watch import Notifier, SummaryWatch, due_phrase, urgency, waiting_sentence
from tests.library.fake_page import until
from tiktokshop_widgets import BackendError, ReturnsSummary

pytestmark = pytest.mark.anyio
NOW = 1_767_225_600
HOUR = 3600


def summary(awaiting=3, due_in=9 * HOUR, newest=NOW - HOUR, return_id="4035"):
    return ReturnsSummary(awaiting, 1 if due_in is not None and due_in < 24 * HOUR else 0,
                          None if due_in is None else NOW + due_in, NOW, newest, return_id)


@pytest.mark.parametrize("shown, words", [
    (summary(), "3 requests await your response; the first is due in 9 h"),
    (summary(awaiting=1), "1 request awaits your response; it is due in 9 h"),
    (summary(due_in=-2 * HOUR), "3 requests await your response; the first is overdue by 2 h"),
    (summary(due_in=None), "3 requests await your response"),
    (summary(awaiting=0, due_in=None), "No return request awaits your response"),
])
def test_the_pointer_says_how_many_wait_and_when_the_first_is_due(shown, words):
    assert waiting_sentence(shown, NOW) == words


def test_deadlines_are_told_as_a_person_would():
    assert [due_phrase(s) for s in (30, 45 * 60, 9 * HOUR + 59 * 60, 50 * HOUR, -90 * 60)] == [
        "due in 1 min", "due in 45 min", "due in 9 h", "due in 2 days", "overdue by 1 h"]


def test_urgent_under_a_day_overdue_when_past():
    assert urgency(summary(due_in=9 * HOUR), NOW) == "urgent"
    assert urgency(summary(due_in=30 * HOUR), NOW) == ""
    assert urgency(summary(due_in=-60), NOW) == "overdue"
    assert urgency(summary(awaiting=0, due_in=None), NOW) == ""


class View:
    def __init__(self):
        self.shown = []

    def show(self, shown, now):
        self.shown.append(shown.awaiting)

    def stale(self):
        self.shown.append("stale")


class Backend:
    """Summaries in order (a ReturnsSummary or an error), each waiting for ``answer()``
    when ``held``; records the ``fresh`` flag of each request."""

    def __init__(self, *answers, held=False):
        self.answers = list(answers)
        self.asked = []
        self.gate = asyncio.Event()
        if not held:
            self.gate.set()

    async def __call__(self, fresh):
        self.asked.append(fresh)
        await self.gate.wait()
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_a_failed_summary_keeps_the_last_figures_marked_stale_and_retries_sooner():
    backend = Backend(summary(3), BackendError("network", "down"), summary(2))
    view = View()
    watch = SummaryWatch(backend, view, now=lambda: NOW, every=180, retry_after=30)
    waits = []
    ticks = asyncio.Queue()

    async def sleep(seconds):  # the timer, driven by the test
        waits.append(seconds)
        await ticks.get()

    running = asyncio.ensure_future(watch.run(sleep))
    await watch.refresh()
    for _ in range(2):
        await ticks.put(None)
    await until(lambda: len(view.shown) == 3)
    running.cancel()
    assert view.shown == [3, "stale", 2]
    assert waits[:3] == [180, 30, 180]  # sooner after the failure, then back to normal


async def test_a_decision_asks_for_a_fresh_summary():
    backend = Backend(summary(3), summary(2))
    view = View()
    watch = SummaryWatch(backend, view, now=lambda: NOW)
    await watch.refresh()
    watch.decided()
    await until(lambda: view.shown == [3, 2])
    assert backend.asked == [False, True]


async def test_refreshes_run_one_at_a_time_in_order():
    backend = Backend(summary(3), summary(2), held=True)
    view = View()
    watch = SummaryWatch(backend, view, now=lambda: NOW)
    first = asyncio.ensure_future(watch.refresh())
    second = asyncio.ensure_future(watch.refresh(fresh=True))
    await until(lambda: len(backend.asked) == 1)
    for _ in range(10):  # the second waits for the first's answer, however long it takes
        await asyncio.sleep(0)
    assert backend.asked == [False]
    backend.gate.set()
    await asyncio.gather(first, second)
    assert view.shown == [3, 2]


def test_notifications_only_when_asked_for_once_per_new_request_and_per_close_deadline():
    told = []
    notifier = Notifier(lambda title, body: told.append(title), due_soon=4 * HOUR)
    notifier.consider(summary(3, due_in=9 * HOUR), NOW)          # the baseline: nothing new
    notifier.consider(summary(4, due_in=9 * HOUR, newest=NOW), NOW)  # new, but not asked for
    assert told == []
    notifier.enabled = True
    notifier.consider(summary(4, due_in=9 * HOUR, newest=NOW), NOW)  # seen already
    notifier.consider(summary(5, due_in=9 * HOUR, newest=NOW + 60), NOW + 60)
    assert told == ["New return request"]
    notifier.consider(summary(5, due_in=3 * HOUR), NOW)
    notifier.consider(summary(5, due_in=2 * HOUR), NOW)  # the same request: told once
    notifier.consider(summary(5, due_in=HOUR, return_id="4036"), NOW)
    assert told == ["New return request", "A return request is due in 3 h",
                    "A return request is due in 1 h"]


class Live:
    """LiveEvents as SummaryWatch uses it: opened once, by go_live."""

    def __init__(self):
        self.opened = 0

    def open(self):
        self.opened += 1


def checked(awaiting, at):
    return ReturnsSummary(awaiting, 0, None, at)


async def test_a_pushed_summary_shows_at_once_and_an_older_one_never():
    view = View()
    watch = SummaryWatch(Backend(checked(3, NOW)), view, now=lambda: NOW)
    await watch.refresh()
    watch.pushed(checked(4, NOW + 5))
    watch.pushed(checked(9, NOW + 1))  # computed before the one shown: stale
    watch.pushed(checked(5, NOW + 5))  # as new as the one shown: TikTok's latest word
    assert view.shown == [3, 4, 5]


async def test_while_the_stream_is_up_nothing_polls_and_when_it_returns_it_catches_up():
    backend = Backend(summary(3))
    live = Live()
    watch = SummaryWatch(backend, View(), now=lambda: NOW, every=180, live=live)
    ticks = asyncio.Queue()

    async def sleep(seconds):
        await ticks.get()

    running = asyncio.ensure_future(watch.run(sleep))
    watch.go_live()
    assert live.opened == 1
    watch.stream_changed(True)  # up: one summary for what it may have missed
    await until(lambda: len(backend.asked) == 1)
    for _ in range(3):
        await ticks.put(None)
    await until(lambda: ticks.empty())
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(backend.asked) == 1  # no periodic refresh while the stream is up
    watch.stream_changed(False)
    await ticks.put(None)
    await until(lambda: len(backend.asked) == 2)  # down: polling again
    running.cancel()


def test_without_a_stream_going_live_changes_nothing():
    watch = SummaryWatch(Backend(summary(3)), View(), now=lambda: NOW)
    watch.go_live()
    assert watch.live is False


async def test_back_online_it_asks_for_a_summary_at_once_and_offline_it_asks_nothing():
    backend = Backend(summary(3))
    view = View()
    watch = SummaryWatch(backend, view, now=lambda: NOW)
    watch.network_changed(False)
    for _ in range(10):
        await asyncio.sleep(0)
    assert backend.asked == []
    watch.network_changed(True)
    await until(lambda: view.shown == [3])
