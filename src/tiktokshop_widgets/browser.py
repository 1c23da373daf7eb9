"""The browser side of the package: the one module that touches JavaScript.

    page = BrowserPage()
    sdk = await page.import_module(WIDGET_KIT_URL)
    page.call(sdk.init, page.to_js(options))       # a JS throw raises JsError
    callback = page.proxy(on_result)               # counted until released
    get_token = page.async_function(token_for_js)  # JS gets a promise, Python a task
    await page.call_async(sdk, "loadWidget", name) # a JS rejection raises JsError
    view = await page.in_task(mount())             # safe from any caller
    page.release(callback)

``BrowserPage`` is the ``Page`` interface (``page.py``, which also says why
Python functions called from JS return nothing and why the package's
coroutines run in tasks of their own). Everything else in the package
receives an object with these methods, so it runs unchanged in CPython's unit
tests with a stand-in page, and on both of PyScript's interpreters: only
``pyscript`` and ``pyscript.ffi`` are used here.
"""

import json

import js
from pyscript import document, js_import
from pyscript.ffi import create_proxy, is_none, to_js

from .errors import ContainerNotFound
from .page import Page


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

DEFERRED = """let resolve;
const promise = new Promise((resolved) => { resolve = resolved; });
return { promise, resolve };"""

# The promise is made here, in JS, and Python only ever calls resolve or
# reject: a JS object returned from Python to JS may be collected on the way
# (page.py). destroy() lets go of the Python side (a no-op on MicroPython).
PROMISE_FUNCTION = """const fn = (...args) => new Promise((resolve, reject) => { start(resolve, reject, ...args); });
fn.destroy = () => start.destroy?.();
return fn;"""

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


# A widget tells its seller of a failure in its own UI, as an alert: widget-kit
# reports nothing of it (its render resolves once the widget has started).
# Only changes cross to Python; the first look waits for a microtask, so that
# Python is not called back while it is still calling this.
WATCH_ALERT = """let last = "";
const alertText = () => {
  const alert = [...element.querySelectorAll('[role="alert"]')].find((a) => !a.closest("[hidden]"));
  if (!alert) return "";
  const copy = alert.cloneNode(true);
  for (const control of copy.querySelectorAll('button, [role="button"]')) control.remove();
  return copy.textContent.replace(/\\s+/g, " ").trim();
};
const look = () => { const text = alertText(); if (text !== last) { last = text; report(text); } };
const observer = new MutationObserver(look);
observer.observe(element, { childList: true, subtree: true, characterData: true,
                            attributes: true, attributeFilter: ["role", "hidden"] });
queueMicrotask(look);
return () => observer.disconnect();"""


# Requests the page's own Content-Security-Policy refused, by origin. The browser
# fails such a request as it fails one that found no network ("Failed to
# fetch"), and reports the violation in a task of its own right after; so a
# look one task after the failure finds it (listening from the page's start).
POLICY_VIOLATIONS = """const blocked = new Map();
document.addEventListener("securitypolicyviolation", (event) => {
  try { blocked.set(new URL(event.blockedURI).origin, event.effectiveDirective); } catch {}
});
return (url) => new Promise((resolve) => setTimeout(() => {
  resolve(blocked.get(new URL(url, document.baseURI).origin) || "");
}, 0));"""


# EventSource's error event says nothing of why; its readyState says whether the
# browser is reconnecting by itself (after a drop) or gave up (an HTTP error).
EVENT_SOURCE = """const source = new EventSource(url, { withCredentials });
for (const name of names) source.addEventListener(name, (event) => onMessage(name, event.data));
source.onopen = () => onReady("open");
source.onerror = () => onReady(source.readyState === EventSource.CLOSED ? "closed" : "connecting");
return source;"""


# What LiveEvents needs to know of the page's surroundings: the network and whether
# the seller looks at it. Undone by the function it returns.
WATCH_PRESENCE = """const look = () => report(navigator.onLine, document.visibilityState === "visible");
window.addEventListener("online", look);
window.addEventListener("offline", look);
document.addEventListener("visibilitychange", look);
return () => {
  window.removeEventListener("online", look);
  window.removeEventListener("offline", look);
  document.removeEventListener("visibilitychange", look);
};"""


class BrowserPage(Page):
    def __init__(self):
        self.live_proxies = 0
        self._container_ids = 0
        self._failed_imports = {}  # module URL -> failed attempts
        self._call_async = js.Function("target", "method", "...args", CALL_ASYNC)
        self._deferred = js.Function(DEFERRED)
        self._promise_function = js.Function("start", PROMISE_FUNCTION)
        self._call = js.Function("fn", "...args", CALL)
        self._show_running_script = js.Function(SHOW_RUNNING_SCRIPT)
        self._watch_alert = js.Function("element", "report", WATCH_ALERT)
        self._blocked_by_policy = js.Function(POLICY_VIOLATIONS)()
        self._event_source = js.Function("url", "withCredentials", "names", "onMessage",
                                         "onReady", EVENT_SOURCE)
        self._watch_presence = js.Function("report", WATCH_PRESENCE)

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
        return _value(await self._call_async(target, method, *args))

    def call(self, function, *args):
        return _value(self._call(function, *args))

    def show_running_script(self):
        self._show_running_script()

    def to_js(self, value):
        return to_js(value)

    def to_py(self, value):
        # Objects by way of JSON: one conversion, the same on both interpreters.
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

    def deferred(self):
        return self._deferred()

    def promise_function(self, start):
        return self._promise_function(start)

    def error(self, message):
        return js.Error.new(message)

    def element(self, target):
        element = document.querySelector(target) if isinstance(target, str) else target
        if element is None or is_none(element):
            raise ContainerNotFound("No element matches " + repr(target) + " to mount a widget in.")
        if not element.id:
            self._container_ids += 1
            element.id = "tiktokshop-widget-" + str(self._container_ids)
        return element

    def delete_global_entries(self, name, prefix):
        table = getattr(js.globalThis, name, None)
        if table is None or is_none(table):
            return
        for key in js.Object.keys(table):
            if key.startswith(prefix):
                js.Reflect.deleteProperty(table, key)

    def watch_alert(self, element, report):
        return self._watch_alert(element, report)

    async def blocked_by_policy(self, url):
        return await self._blocked_by_policy(url)

    def on_unhandled_rejection(self, handler):
        def listener(event):
            handler(_reason_message(event.reason), event)

        # js.window, not pyscript's window: that is the js module itself on the main
        # thread, and MicroPython may call a function looked up on it with the wrong
        # `this` ("Illegal invocation", thrown past Python: the caller never resumes).
        js.window.addEventListener("unhandledrejection", self.proxy(listener))

    def warn(self, message):
        js.console.warn(message)

    def event_source(self, url, with_credentials, event_names, on_message, on_ready):
        return self._event_source(url, with_credentials, to_js(list(event_names)), on_message,
                                  on_ready)

    def close_event_source(self, source):
        source.close()

    def online(self):
        return js.navigator.onLine is not False

    def watch_presence(self, report):
        return self._watch_presence(report)


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
