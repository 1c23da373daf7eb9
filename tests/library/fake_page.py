"""Stand-ins for the browser side, so the package's logic runs in CPython.

``FakePage`` is a ``Page`` (tiktokshop_widgets/page.py), like ``BrowserPage``,
and keeps MicroPython's rules of the FFI boundary: a Python function JS calls
must return nothing, and ``as_js_drives_it`` runs a coroutine the way
MicroPython runs one that JS calls (outside asyncio: it may await JS promises,
nothing else). ``FakeWidgetKit`` behaves like widget-kit 1.0.4 where the
package depends on it: ``init`` is a singleton, ``loadWidget`` rejects with the
SDK's own messages, a view renders into its container, and the widget content
calls ``getToken`` and ``onResult``. JS promises are ``FakeJsPromise``s (asyncio
futures); "JS objects" are dicts.
"""

import asyncio
import json

from tiktokshop_widgets.errors import SDK_PREFIX, ContainerNotFound
from tiktokshop_widgets.page import Page


class FakeElement:
    def __init__(self, id=""):
        self.id = id
        self.children = []
        self.alert = ""  # the text of the alert a widget shows in it; "" for none
        self.alert_watchers = []

    def show_alert(self, text):
        """What a widget does to tell its seller of a failure ("" once it is over)."""
        self.alert = text
        for watcher in list(self.alert_watchers):
            watcher.look()


class AlertWatcher:
    """A MutationObserver on an element, reporting its alert's text when it changes."""

    def __init__(self, element, report):
        self.element = element
        self.report = report
        self.last = ""
        element.alert_watchers.append(self)

    def look(self):
        if self in self.element.alert_watchers and self.element.alert != self.last:
            self.last = self.element.alert
            self.report(self.last)

    def stop(self):
        self.element.alert_watchers.remove(self)


class FakeResponse:
    def __init__(self, status, body):
        self.status = status
        self._body = body

    async def text(self):
        return self._body


class FakeFetch:
    """The browser's fetch to a backend: queued replies, the last one repeated; records
    each request as (url, options). A reply is (status, body) or an exception to raise."""

    def __init__(self, *replies, answering=True):
        self.replies = list(replies)
        self.requests = []
        # Replies wait for this gate: set it to let them through; never, for a dead backend.
        self.gate = asyncio.Event()
        if answering:
            self.gate.set()

    async def __call__(self, url, **options):
        self.requests.append((url, options))
        await self.gate.wait()
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        status, body = reply
        return FakeResponse(status, body if isinstance(body, str) else json.dumps(body))


class FakePage(Page):
    def __init__(self, sdk=None):
        self.sdk = sdk or FakeWidgetKit()
        self.elements = {}
        self.live_proxies = 0
        self.proxies_made = 0
        self.warnings = []
        self.imports = []
        self.import_error = None
        self.rejection_handlers = []
        self.globals = {}
        self.policy_blocks = {}  # URL prefix -> the directive of the page's policy refusing it
        self.event_sources = []
        self.network_up = True
        self.visible = True
        self.presence_watchers = []  # the reports of watch_presence, until stopped

    def add_element(self, selector):
        element = FakeElement(selector.lstrip("#"))
        self.elements[selector] = element
        return element

    async def import_module(self, url):
        self.imports.append(url)
        await asyncio.sleep(0)
        if self.import_error:
            raise RuntimeError(self.import_error)
        return self.sdk

    async def call_async(self, target, method, *args):
        return await (target if method is None else getattr(target, method))(*args)

    def call(self, function, *args):
        return function(*args)

    def to_js(self, value):
        return value

    def to_py(self, value):
        return value

    def proxy(self, function):
        self.live_proxies += 1
        self.proxies_made += 1
        return FakeProxy(function)

    def release(self, proxy):
        proxy = getattr(proxy, "start", proxy)  # an async_function's own proxy
        assert not proxy.released, "a proxy was released twice"
        proxy.released = True
        self.live_proxies -= 1

    def element(self, target):
        if target not in self.elements:
            raise ContainerNotFound("No element matches " + repr(target) + " to mount a widget in.")
        return self.elements[target]

    def deferred(self):
        return FakeDeferred()

    def promise_function(self, start):
        return FakePromiseFunction(start)

    def error(self, message):
        return JsRejection(message)

    def delete_global_entries(self, name, prefix):
        table = self.globals.get(name, {})
        for key in [k for k in table if k.startswith(prefix)]:
            del table[key]

    def show_running_script(self):
        self.running_script_shown = True

    def watch_alert(self, element, report):
        watcher = AlertWatcher(element, report)
        asyncio.get_running_loop().call_soon(watcher.look)  # a microtask: after this returns
        return watcher.stop

    async def blocked_by_policy(self, url):
        await asyncio.sleep(0)  # the browser's report comes a task later
        for prefix, directive in self.policy_blocks.items():
            if url.startswith(prefix):
                return directive
        return ""

    def on_unhandled_rejection(self, handler):
        self.rejection_handlers.append(handler)

    def warn(self, message):
        self.warnings.append(message)

    def event_source(self, url, with_credentials, event_names, on_message, on_ready):
        source = FakeEventSource(url, with_credentials, event_names, on_message, on_ready)
        self.event_sources.append(source)
        return source

    def close_event_source(self, source):
        source.closed = True

    def online(self):
        return self.network_up

    def watch_presence(self, report):
        self.presence_watchers.append(report)
        return lambda: self.presence_watchers.remove(report)

    def presence(self, online=None, visible=None):
        """The browser goes offline or online, the page is hidden or shown: watchers told."""
        if online is not None:
            self.network_up = online
        if visible is not None:
            self.visible = visible
        for report in list(self.presence_watchers):
            report(self.network_up, self.visible)


class FakeEventSource:
    """The browser's EventSource as the page sees it: the test plays the server."""

    def __init__(self, url, with_credentials, event_names, on_message, on_ready):
        self.url = url
        self.with_credentials = with_credentials
        self.event_names = tuple(event_names)
        self._on_message = on_message
        self._on_ready = on_ready
        self.closed = False

    def ready(self, state):
        assert not self.closed, "a closed EventSource called back"
        self._on_ready(state)

    def send(self, name, data):
        assert not self.closed, "a closed EventSource called back"
        if name in self.event_names:
            self._on_message(name, data if isinstance(data, str) else json.dumps(data))


class FakeProxy:
    def __init__(self, function):
        self.function = function
        self.released = False

    def __call__(self, *args):
        assert not self.released, "JS called a released proxy"
        result = self.function(*args)
        # MicroPython may collect a JS object returned to JS before JS reads it.
        assert result is None, "a Python function called from JS returned " + repr(result)


class JsRejection(Exception):
    pass


class FakeJsPromise(asyncio.Future):
    """A JS promise, as Python awaits it."""


class FakeDeferred:
    def __init__(self):
        self.promise = FakeJsPromise()

    def resolve(self, value):
        # A JS promise settles once; Python that stopped awaiting it (cancelled) changes nothing.
        if not self.promise.done():
            self.promise.set_result(value)


class FakePromiseFunction:
    """``(...args) => new Promise((resolve, reject) => start(resolve, reject, ...args))``."""

    def __init__(self, start):
        self.start = start

    def __call__(self, *args):
        promise = FakeJsPromise()
        self.start(promise.set_result, promise.set_exception, *args)
        return promise


async def until(condition, turns=1000):
    """Let the event loop run, turn by turn (no clock involved), until ``condition()``."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("still not so after " + str(turns) + " turns of the event loop")


async def as_js_drives_it(coroutine):
    """``await coroutine`` the way MicroPython runs a coroutine that JS calls.

    MicroPython drives it outside asyncio, from JS: each JS promise it awaits
    goes to JS, which resumes it when the promise settles. Awaiting anything
    else there (an asyncio Event, Task, sleep or gather) loses wake-ups when
    two such coroutines wait at once, so here it fails the test.
    """
    value, error = None, None
    while True:
        try:
            awaited = coroutine.send(value) if error is None else coroutine.throw(error)
        except StopIteration as stop:
            return stop.value
        if not isinstance(awaited, FakeJsPromise):
            coroutine.close()
            raise AssertionError("a coroutine JS drives awaited " + repr(awaited)
                                 + ", not a JS promise")
        value, error = None, None
        awaited._asyncio_future_blocking = False  # taken over here, as a Task would
        try:
            value = await awaited
        except BaseException as failure:
            error = failure


class FakeWidgetKit:
    """widget-kit's module: init once, update, preloadWidget, loadWidget."""

    def __init__(self):
        self.core = None
        self.init_calls = []
        self.update_calls = []
        self.preload_calls = []
        self.load_calls = []
        self.load_failures = []   # SDK messages to reject the next loads with
        self.load_gate = None     # an asyncio.Event that loads wait for, when set here
        self.contents = {}

    def init(self, options):
        self.init_calls.append(options)
        for key in ("shopId", "oecRegion", "appKey"):
            if not options["config"].get(key):
                raise JsRejection(SDK_PREFIX + "Protocol configuration error. Config must be "
                                  "of ApplicationConfig type. Please refer to ...")
        if self.core is None:
            self.core = dict(options)
        return self.core

    def update(self, options):
        if self.core is None:
            raise JsRejection(SDK_PREFIX + "Please call init first")
        self.update_calls.append(options)
        self.core.update(options)
        for content in self.contents.values():
            content.common_props_changed(self.core)

    def preloadWidget(self, names):
        self.preload_calls.append(list(names))

    async def loadWidget(self, name):
        if self.core is None:
            raise JsRejection(SDK_PREFIX + "Please call init first")
        self.load_calls.append(name)
        await asyncio.sleep(0)  # a JS promise settles in a later turn, never at once
        if self.load_gate is not None:
            await self.load_gate.wait()
        if self.load_failures:
            raise JsRejection(self.load_failures.pop(0))
        if name not in [r["name"] for r in self.core["remotes"]]:
            raise JsRejection(SDK_PREFIX + "Current name configuration not found")
        content = self.contents.setdefault(name, FakeContent(name))
        return FakeComponent(self, content)


class FakeComponent:
    def __init__(self, sdk, content):
        self.sdk = sdk
        self.content = content

    def create(self, element):
        return FakeView(self.sdk, self.content, element)


class FakeView:
    def __init__(self, sdk, content, element):
        self.sdk = sdk
        self.content = content
        self.element = element

    def _props(self, user_props):
        props = dict(self.sdk.core["config"])
        props["getToken"] = self.sdk.core["getToken"]
        props["widget"] = {"name": self.content.name}
        props.update(user_props or {})
        return props

    async def render(self, props):
        self.content.mount(self.element, self._props(props))

    async def update(self, props):
        self.content.update(self._props(props))

    async def unmount(self):
        self.content.unmount()


class FakeContent:
    """The widget content, shared per widget name like widget-kit's."""

    def __init__(self, name):
        self.name = name
        self.element = None
        self.props = None
        self.mounts = 0

    def mount(self, element, props):
        if self.element is not None:
            self.unmount()
        self.element, self.props = element, props
        element.children.append(self.name)
        self.mounts += 1

    def update(self, props):
        self.props = props

    def common_props_changed(self, core):
        if self.props is not None:
            self.props.update(core["config"])
            self.props["getToken"] = core["getToken"]

    def unmount(self):
        if self.element is not None:
            self.element.children.remove(self.name)
            if self.element.alert:
                self.element.show_alert("")  # gone with the widget
        self.element = self.props = None

    async def get_token(self):
        return await self.props["getToken"]()

    def decide(self, result):
        self.props["onResult"](result)
