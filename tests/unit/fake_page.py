"""Stand-ins for the browser side, so the package's logic runs in CPython.

``FakePage`` has ``BrowserPage``'s methods; ``FakeWidgetKit`` behaves like
widget-kit 1.0.4 where the package depends on it: ``init`` is a singleton,
``loadWidget`` rejects with the SDK's own messages, a view renders into its
container, and the widget content calls ``getToken`` and ``onResult``.
JS promises are Python awaitables here; "JS objects" are dicts.
"""

import asyncio

from tiktokshop_widgets.errors import SDK_PREFIX, ContainerNotFound


class FakeElement:
    def __init__(self, id=""):
        self.id = id
        self.children = []


class FakePage:
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
        assert not proxy.released, "a proxy was released twice"
        proxy.released = True
        self.live_proxies -= 1

    def element(self, target):
        if target not in self.elements:
            raise ContainerNotFound("No element matches " + repr(target) + " to mount a widget in.")
        return self.elements[target]

    def promise(self, coroutine):
        async def settle():
            try:
                return await coroutine
            except Exception as error:
                raise JsRejection(str(error))

        return settle()

    def delete_global_entries(self, name, prefix):
        table = self.globals.get(name, {})
        for key in [k for k in table if k.startswith(prefix)]:
            del table[key]

    def show_running_script(self):
        self.running_script_shown = True

    def on_unhandled_rejection(self, handler):
        self.rejection_handlers.append(handler)

    def warn(self, message):
        self.warnings.append(message)


class FakeProxy:
    def __init__(self, function):
        self.function = function
        self.released = False

    def __call__(self, *args):
        assert not self.released, "JS called a released proxy"
        return self.function(*args)


class JsRejection(Exception):
    pass


class FakeWidgetKit:
    """widget-kit's module: init once, update, preloadWidget, loadWidget."""

    def __init__(self):
        self.core = None
        self.init_calls = []
        self.update_calls = []
        self.preload_calls = []
        self.load_calls = []
        self.load_failures = []   # SDK messages to reject the next loads with
        self.load_delay = 0
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
        await asyncio.sleep(self.load_delay)
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
        self.element = self.props = None

    async def get_token(self):
        return await self.props["getToken"]()

    def decide(self, result):
        self.props["onResult"](result)
