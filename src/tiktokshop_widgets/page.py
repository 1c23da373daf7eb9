"""What the package needs from the page it runs in: the JavaScript side, as one interface.

    class BrowserPage(Page): ...     # browser.py: the real one, on Pyodide and MicroPython
    class FakePage(Page): ...        # the unit tests' stand-in, in CPython

``kit`` and ``view`` talk to JavaScript only through these methods, so the
same logic runs in a browser and in CPython's unit tests; a test checks that
both pages define every method here with the same parameters.

Two rules of the FFI boundary hold for every page, because MicroPython
(1.28) breaks them where Pyodide does not:

- A Python function that JavaScript calls returns nothing. When the
  outermost call from JavaScript into Python returns, MicroPython may
  collect garbage before JavaScript reads the result, and a JS object
  returned from Python is then gone (JavaScript sees ``undefined``).
  Results travel the other way: Python calls a JS ``resolve``
  (``async_function``).
- The package's coroutines may be awaited from a coroutine that JavaScript
  drives (an ``async def`` event handler). MicroPython runs those outside
  asyncio, all of them as one "top-level task" with one slot for its wake-up,
  so two of them waiting on asyncio at once (an Event, a Task, ``gather``)
  lose each other's wake-ups. The package's public coroutines therefore do
  their work in a task of their own and are awaited through a JS promise
  (``in_task``), which any coroutine can await.
"""

import asyncio

from .background import in_background


class Page:
    live_proxies = 0  # the proxies made by ``proxy`` and not yet released

    async def import_module(self, url):
        """The ES module at ``url``; a failure raises, and a retry asks again."""
        raise NotImplementedError

    async def call_async(self, target, method, *args):
        """Await ``target[method](*args)`` (``target(*args)`` when method is None),
        a JS call returning a promise; a rejection raises ``JsError``."""
        raise NotImplementedError

    def call(self, function, *args):
        """Call a JS function; a throw raises ``JsError`` with its message."""
        raise NotImplementedError

    def to_js(self, value):
        """Python data (dicts, lists, scalars, proxies) as a JS value."""
        raise NotImplementedError

    def to_py(self, value):
        """A JS value as plain Python data."""
        raise NotImplementedError

    def proxy(self, function):
        """A JS function calling ``function`` (which returns nothing), counted until released."""
        raise NotImplementedError

    def release(self, proxy):
        """Let go of a proxy made by ``proxy`` or ``async_function``."""
        raise NotImplementedError

    def deferred(self):
        """A JS promise and the function settling it: ``.promise``, ``.resolve(value)``."""
        raise NotImplementedError

    def promise_function(self, start):
        """A JS function, ``(...args) => new Promise((resolve, reject) =>
        start(resolve, reject, ...args))``, whose ``destroy()`` releases ``start``."""
        raise NotImplementedError

    def error(self, message):
        """A JS ``Error`` with ``message``, to reject a promise with."""
        raise NotImplementedError

    def element(self, target):
        """The element for a CSS selector (or the element itself), with an id;
        ``ContainerNotFound`` when nothing matches."""
        raise NotImplementedError

    def show_running_script(self):
        """Undo PyScript's document.currentScript override for classic scripts."""
        raise NotImplementedError

    def delete_global_entries(self, name, prefix):
        """Delete the keys starting with ``prefix`` from ``globalThis[name]``."""
        raise NotImplementedError

    def watch_alert(self, element, report):
        """Call ``report(text)`` with the text of the alert shown in ``element`` (an
        element with ``role="alert"``, its buttons left out), each time it changes:
        "" once none shows. The first call comes after this returns. Returns a
        function that stops watching."""
        raise NotImplementedError

    async def blocked_by_policy(self, url):
        """The directive of the page's Content-Security-Policy ("connect-src",
        "script-src-elem", ...) that kept a request to ``url``'s origin from
        leaving, if one did; else "". Asked after such a request failed: a
        browser reports the violation itself in a task of its own."""
        raise NotImplementedError

    def on_unhandled_rejection(self, handler):
        """Call ``handler(message, event)`` for each unhandled promise rejection."""
        raise NotImplementedError

    def warn(self, message):
        """A warning in the browser's console."""
        raise NotImplementedError

    def event_source(self, url, with_credentials, event_names, on_message, on_ready):
        """A JS ``EventSource`` on ``url``: ``on_message(name, data)`` for each event named
        in ``event_names``, ``on_ready(state)`` with "open", "connecting" (the browser
        retries by itself) or "closed" (it gave up). Both are proxies."""
        raise NotImplementedError

    def close_event_source(self, source):
        """Close an ``event_source``: no more calls of its handlers."""
        raise NotImplementedError

    def online(self):
        """Whether the browser believes it has a network (``navigator.onLine``)."""
        raise NotImplementedError

    def watch_presence(self, report):
        """Call ``report(online, visible)`` each time the browser goes offline or back
        online (window ``offline``/``online``) or the page is hidden or shown again
        (document ``visibilitychange``). ``report`` is a proxy. Returns a function
        that stops watching."""
        raise NotImplementedError

    def async_function(self, coroutine_function):
        """A JS function returning a promise of ``await coroutine_function(*args)``,
        run as a task; counted as a proxy until released.

        The coroutine's result must already be a JS value (``to_js``). A failure
        rejects the promise with ``Error(str(exception))``, never a traceback.
        The promise is made in JS, and Python only calls its resolve or reject.
        """

        def start(resolve, reject, *args):
            in_background(_settle(coroutine_function(*args), resolve, reject, self.error))

        return self.promise_function(self.proxy(start))

    async def in_task(self, coroutine):
        """``await coroutine``, run as a task of its own: safe from any caller.

        The outcome, a result or any exception (cancellation included), is the
        coroutine's own, raised as it was raised. Cancelling the caller (a task)
        cancels the coroutine too.
        """
        finished = self.deferred()
        outcome = []

        async def run():
            try:
                outcome.append((await coroutine, None))
            except BaseException as error:  # cancellation too: the caller's to see
                outcome.append((None, error))
            finished.resolve(None)

        task = in_background(run())
        try:
            await finished.promise
        except asyncio.CancelledError:
            task.cancel()
            raise
        value, error = outcome[0]
        if error is not None:
            raise error
        return value


def policy_advice(url, directive):
    """For the developer, in the console: the page's own policy kept ``url`` from loading."""
    if url.startswith(("http://", "https://")):
        scheme, _, rest = url.partition("://")
        origin = scheme + "://" + rest.split("/")[0].split("?")[0]
    else:
        origin = "the page's own origin ('self')"
    base = directive[:-len("-elem")] if directive.endswith("-elem") else directive
    return ("The page's Content-Security-Policy blocked " + url + ": its " + directive
            + " does not allow " + origin + ". Add " + origin + " to the policy's " + base
            + " (the page's <meta http-equiv=\"Content-Security-Policy\"> or the server's"
            + " Content-Security-Policy header).")


async def _settle(coroutine, resolve, reject, error):
    try:
        value = await coroutine
    except Exception as failure:
        reject(error(str(failure)))
        return
    resolve(value)
