"""The browser side of the package: the one module that touches JavaScript.

    page = BrowserPage()
    sdk = await page.import_module(WIDGET_KIT_URL)
    page.call(sdk.init, page.to_js(options))       # a JS throw raises JsError
    callback = page.proxy(on_result)               # counted until released
    await page.call_async(sdk, "loadWidget", name) # a JS rejection raises JsError
    page.release(callback)

Everything else in the package receives an object with these methods, so it
runs unchanged in CPython's unit tests with a stand-in page, and on both of
PyScript's interpreters: only ``pyscript`` and ``pyscript.ffi`` are used here.
"""

import json

import js
from pyscript import document, js_import, window
from pyscript.ffi import create_proxy, is_none, to_js

from .background import in_background
from .errors import ContainerNotFound


class JsError(Exception):
    """A JavaScript error or rejection, with its message as ``str()``."""


# JS failures reach Python as outcomes, not exceptions: the interpreters differ
# in what they raise (MicroPython cannot raise a rejection that is not an Error;
# Pyodide's JsException message carries its own class name), and a Python catch
# handler cannot fix it (Pyodide awaits what it returns). The JS call itself is
# made in JS too: a promise handed back to JS from Pyodide comes back wrapped,
# its rejections turned into Python tracebacks.
MESSAGE_OF = """const messageOf = (reason) => reason instanceof Error ? reason.message
  : reason === undefined || reason === null ? "unknown error" : String(reason.message || reason);"""
CALL_ASYNC = MESSAGE_OF + """
return Promise.resolve()
  .then(() => method === null || method === undefined ? target(...args) : target[method](...args))
  .then((value) => ({ ok: true, value }), (reason) => ({ ok: false, message: messageOf(reason) }));"""
CALL = MESSAGE_OF + """
try { return { ok: true, value: fn(...args) }; }
catch (reason) { return { ok: false, message: messageOf(reason) }; }"""

DEFERRED = """let resolve, reject;
const promise = new Promise((resolved, rejected) => { resolve = resolved; reject = rejected; });
return { promise, resolve, reject };"""

# While a top-level <script type="py"> runs, PyScript makes document.currentScript
# return that element to every script in the page. A widget's entry script that
# finds its own URL that way (webpack's automatic publicPath does) then looks in
# the wrong place. Answer the classic script actually running, when there is one.
SHOW_RUNNING_SCRIPT = """const own = Object.getOwnPropertyDescriptor(document, "currentScript");
if (!own || !own.get || own.get.showsRunningScript) return;
const native = Object.getOwnPropertyDescriptor(Document.prototype, "currentScript").get;
const get = () => native.call(document) || own.get.call(document);
get.showsRunningScript = true;
Object.defineProperty(document, "currentScript", { configurable: true, get });"""


class BrowserPage:
    def __init__(self):
        self.live_proxies = 0
        self._container_ids = 0
        self._failed_imports = {}  # module URL -> failed attempts
        self._call_async = js.Function("target", "method", "...args", CALL_ASYNC)
        self._deferred = js.Function(DEFERRED)
        self._call = js.Function("fn", "...args", CALL)
        self._show_running_script = js.Function(SHOW_RUNNING_SCRIPT)

    async def import_module(self, url):
        # A browser keeps a failed module import for the page's lifetime, so a
        # retry asks for the same file under a URL it has not tried yet.
        failures = self._failed_imports.get(url, 0)
        attempt_url = url
        if failures:
            attempt_url += ("&" if "?" in url else "?") + "retry=" + str(failures)
        try:
            modules = await self.call_async(js_import, None, attempt_url)
        except JsError:
            self._failed_imports[url] = failures + 1
            raise
        return modules[0]

    async def call_async(self, target, method, *args):
        """Await ``target[method](*args)`` (``target(*args)`` when method is None),
        a JS call returning a promise; a rejection raises ``JsError``."""
        return _value(await self._call_async(target, method, *args))

    def call(self, function, *args):
        """Call a JS function; a throw raises ``JsError`` with its message."""
        return _value(self._call(function, *args))

    def show_running_script(self):
        """Undo PyScript's document.currentScript override for classic scripts."""
        self._show_running_script()

    def to_js(self, value):
        return to_js(value)

    def to_py(self, value):
        """A JS value as plain Python data (objects by way of JSON)."""
        if value is None or is_none(value) or isinstance(value, (str, int, float, bool)):
            return None if value is None or is_none(value) else value
        text = js.JSON.stringify(value)
        return None if text is None or is_none(text) else json.loads(text)

    def proxy(self, function):
        self.live_proxies += 1
        return create_proxy(function)

    def release(self, proxy):
        self.live_proxies -= 1
        # Pyodide proxies must be destroyed; MicroPython's are collected by JS.
        destroy = getattr(proxy, "destroy", None)
        if destroy is not None:
            destroy()

    def element(self, target):
        """The element for a CSS selector (or the element itself), with an id."""
        element = document.querySelector(target) if isinstance(target, str) else target
        if element is None or is_none(element):
            raise ContainerNotFound("No element matches " + repr(target) + " to mount a widget in.")
        if not element.id:
            self._container_ids += 1
            element.id = "tiktokshop-widget-" + str(self._container_ids)
        return element

    def promise(self, coroutine):
        """A JS promise of ``coroutine``, run as an asyncio task.

        Python functions that JS calls and awaits return this rather than being
        ``async``: MicroPython runs a coroutine that JS calls outside asyncio,
        where asyncio.Event and wait_for fail. A failure rejects the promise
        with ``Error(str(exception))``, never a Python traceback. The promise
        comes with its resolve and reject from JS (not a Promise executor's
        arguments, which MicroPython does not keep past the call).
        """
        deferred = self._deferred()

        async def settle():
            try:
                deferred.resolve(await coroutine)
            except Exception as error:
                deferred.reject(js.Error.new(str(error)))

        in_background(settle())
        return deferred.promise

    def delete_global_entries(self, name, prefix):
        """Delete the keys starting with ``prefix`` from ``globalThis[name]``."""
        table = getattr(js.globalThis, name, None)
        if table is None or is_none(table):
            return
        for key in js.Object.keys(table):
            if key.startswith(prefix):
                js.Reflect.deleteProperty(table, key)

    def on_unhandled_rejection(self, handler):
        """Call ``handler(message, event)`` for each unhandled promise rejection."""

        def listener(event):
            handler(_reason_message(event.reason), event)

        window.addEventListener("unhandledrejection", self.proxy(listener))

    def warn(self, message):
        js.console.warn(message)


def _value(outcome):
    if not outcome.ok:
        raise JsError(outcome.message)
    return outcome.value


def _reason_message(reason):
    if reason is None or is_none(reason):
        return "unknown error"
    if isinstance(reason, str):
        return reason
    message = getattr(reason, "message", None)
    if isinstance(message, str):
        return message
    return str(js.String(reason))
