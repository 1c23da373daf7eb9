"""The browser side of the package: the one module that touches JavaScript.

    page = BrowserPage()
    sdk = await page.import_module(WIDGET_KIT_URL)
    callback = page.proxy(on_result)          # counted until released
    await page.settle(sdk.loadWidget(name))   # a JS rejection raises JsError
    page.release(callback)

Everything else in the package receives an object with these methods, so it
runs unchanged in CPython's unit tests with a stand-in page, and on both of
PyScript's interpreters: only ``pyscript`` and ``pyscript.ffi`` are used here.
"""

import asyncio
import json

import js
from pyscript import document, js_import, window
from pyscript.ffi import create_proxy, is_none, to_js

from .errors import js_error_message


class JsError(Exception):
    """A JavaScript error or rejection, with its message as ``str()``."""


# JS may reject with a string or undefined, and both interpreters only turn
# Error objects into Python exceptions; a Python catch handler cannot fix that
# (Pyodide awaits what it returns), so this is done in JS.
SETTLE = """return Promise.resolve(promise).catch((reason) => {
  throw reason instanceof Error ? reason : new Error(
    reason === undefined || reason === null ? "unknown error" : String(reason.message || reason));
});"""

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
        self._settle = js.Function("promise", SETTLE)
        self._show_running_script = js.Function(SHOW_RUNNING_SCRIPT)

    async def import_module(self, url):
        modules = await self.settle(js_import(url))
        return modules[0]

    async def settle(self, promise):
        """Await a JS promise; a rejection raises ``JsError`` with its message."""
        try:
            return await self._settle(promise)
        except Exception as error:
            raise JsError(js_error_message(error))

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
            raise ValueError("no element matches " + repr(target))
        if not element.id:
            self._container_ids += 1
            element.id = "tiktokshop-widget-" + str(self._container_ids)
        return element

    def promise(self, coroutine):
        """A JS promise of ``coroutine``, run as an asyncio task.

        Python functions that JS calls and awaits return this rather than being
        ``async``: MicroPython runs a coroutine that JS calls outside asyncio,
        where asyncio.Event and wait_for fail. A failure rejects the promise
        with ``Error(str(exception))``, never a Python traceback.
        """

        def executor(resolve, reject):
            async def settle():
                try:
                    resolve(await coroutine)
                except Exception as error:
                    reject(js.Error.new(str(error)))

            asyncio.create_task(settle())

        return js.Promise.new(executor)

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


def _reason_message(reason):
    if reason is None or is_none(reason):
        return "unknown error"
    if isinstance(reason, str):
        return reason
    message = getattr(reason, "message", None)
    if isinstance(message, str):
        return message
    return str(js.String(reason))
