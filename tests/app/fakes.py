"""Stand-ins for what the demo app drives: the status panel, the header, the kit, the account.

Each records what the app asked of it, so a test reads like what the seller saw.
"""

import asyncio

from tiktokshop_widgets import MOUNTED, UNMOUNTED


class Panel:
    def __init__(self):
        self.shown = []
        self.lines = []

    def loading(self, headline):
        self.shown.append(("loading", headline))

    def failed(self, headline, detail, can_retry=True):
        self.shown.append(("failed", headline, detail, can_retry))

    def connect(self, headline, detail, url):
        self.shown.append(("connect", headline, url))

    def mounted(self):
        self.shown.append(("mounted",))

    def activity(self, text):
        self.lines.append(text)

    def network(self, online):
        self.shown.append(("online",) if online else ("offline",))


class Header:
    def __init__(self):
        self.shown = []

    def show(self, seller):
        self.shown.append(("shop", seller.current_shop.name, [shop.id for shop in seller.shops]))

    def busy(self):
        self.shown.append(("busy",))

    def failed(self, text):
        self.shown.append(("failed", text))

    def recovered(self):
        if self.shown and self.shown[-1][0] == "failed":
            self.shown.append(("recovered",))

    def connect(self, url):
        self.shown.append(("connect", url))

    def reconnect(self, by, url):
        self.shown.append(("reconnect", by, url))


class Kit:
    """mount() fails with the queued errors, then succeeds. With ``loading=True`` a mount
    waits for ``loaded`` (set it to finish loading); unmount cancels a pending one, whose
    view comes back unmounted."""

    def __init__(self, *failures, loading=False, config=None):
        self.failures = list(failures)
        self.config = config
        self.mounts = 0
        self.unmounts = 0
        self.preloaded = []
        self.updates = []
        self.loaded = asyncio.Event()
        if not loading:
            self.loaded.set()
        self._cancelled = None

    def preload(self, *names):
        self.preloaded.extend(names)

    async def mount(self, name, target, props=None):
        self.mounts += 1
        self.props = props
        self._cancelled = asyncio.Event()
        loaded = asyncio.ensure_future(self.loaded.wait())
        cancelled = asyncio.ensure_future(self._cancelled.wait())
        await asyncio.wait([loaded, cancelled], return_when=asyncio.FIRST_COMPLETED)
        loaded.cancel()
        cancelled.cancel()
        if self._cancelled.is_set():
            return View(UNMOUNTED)
        if self.failures:
            raise self.failures.pop(0)
        return View(MOUNTED)

    async def unmount(self, target):
        self.unmounts += 1
        if self._cancelled is not None:
            self._cancelled.set()

    async def update(self, config=None, token=None):
        if self.failures:
            raise self.failures.pop(0)
        self.updates.append(config)
        self.config = config


class View:
    def __init__(self, state):
        self.state = state


class Account:
    """The backend's view of the seller: queued answers (a Seller or an error to raise)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.switched_to = []

    async def load(self):
        return self._next()

    async def switch(self, shop_id):
        self.switched_to.append(shop_id)
        return self._next()

    def _next(self):
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer
