"""One widget in one container, from loading to unmounted.

    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print})
    view.state                      # "mounted"
    await view.update({"on_result": log_decision})
    await view.unmount()            # container empty, the view's proxies released

States: ``loading`` -> ``mounted`` -> ``unmounted``, or ``loading`` -> ``failed``.
Unmounting a view that is still loading cancels it: nothing appears later and
its ``kit.mount`` returns it unmounted (a cancellation, not an error).

A mounted widget that shows a failure of its own (an alert: TikTok Shop
refused the app key, say) is ``failed`` too, with ``error`` a
``WidgetFailed``, while it stays on screen with its own words and Retry; it
is ``mounted`` again once the alert is gone (the seller's Retry worked, the
kit's config changed). widget-kit 1.0.4 reports nothing of such failures
(``render`` resolves as the widget starts), so the view watches its container
for the alert (``Page.watch_alert``).
Props are Python values; callables reach the widget as JS functions and are
called with Python values, and every proxy a view makes is released when it
unmounts or fails.
"""

import asyncio

from .background import in_background
from .errors import MountCancelled, WidgetError, WidgetFailed, sdk_error

LOADING = "loading"
MOUNTED = "mounted"
UNMOUNTED = "unmounted"
FAILED = "failed"
"""A ``WidgetView``'s ``state``: ``LOADING``, then ``MOUNTED`` and ``UNMOUNTED``, or ``FAILED``."""


class WidgetView:
    """One widget (``name``) in one container (``element``), as ``WidgetKit.mount``
    returns it: ``state`` is one of ``LOADING``, ``MOUNTED``, ``UNMOUNTED``,
    ``FAILED`` (then ``error`` says why: it failed to load, or, still shown, the
    widget reported a failure of its own)."""

    def __init__(self, name, element, props, page, on_closed, on_failed=None):
        self.name = name
        self.element = element
        self.state = LOADING
        self.error = None
        self._page = page
        self._on_closed = on_closed
        self._on_failed = on_failed  # on_failed(WidgetFailed): the shown widget failed
        self._props = dict(props or {})
        self._proxies = {}  # prop name -> proxy made for a callable in it
        self._js_view = None
        self._alert_watch = None  # (proxy, stop) while the container is watched

    @property
    def container_id(self):
        """The ``id`` of the container element."""
        return self.element.id

    async def _open(self, load_component):
        """Load the widget with ``load_component()`` and render it (the kit's job)."""
        try:
            self._check_not_cancelled()  # replaced before it even started
            component = await load_component()
            self._check_not_cancelled()
            self._js_view = component.create(self.element)
            if self._js_view is None:  # widget-kit returns null for non-module widgets
                raise WidgetError("The widget " + self.name + " is not a module widget.")
            await self._call(self._js_view, "render", self._js_props(self._props))
            self._check_not_cancelled()
        except Exception as error:
            self._check_not_cancelled()  # unmounted meanwhile: that wins over the failure
            await self._fail(error)
            raise self.error
        except asyncio.CancelledError:
            if self.state == LOADING:  # the caller was cancelled: leave nothing half-mounted
                await self._close()
            raise
        self.state = MOUNTED
        proxy = self._page.proxy(self._alert_changed)
        self._alert_watch = (proxy, self._page.watch_alert(self.element, proxy))
        return self

    def _alert_changed(self, text):
        """The widget's alert, as the page saw it change ("" when none shows)."""
        text = self._page.to_py(text)
        if self._js_view is None:
            return
        if text:
            self.state, self.error = FAILED, WidgetFailed(text, self.name)
            if self._on_failed is not None:
                self._on_failed(self.error)
        elif self.state == FAILED:
            self.state, self.error = MOUNTED, None

    async def update(self, props):
        """Merge ``props`` into the widget's props and re-render it with them."""
        await self._page.in_task(self._update(props))

    async def _update(self, props):
        if self.state != LOADING and self._js_view is None:  # unmounted, or failed to load
            raise WidgetError("The " + self.name + " view is " + self.state + "; mount it again.")
        merged = dict(self._props)
        merged.update(props)
        if self.state == LOADING:  # rendered with these once loaded
            self._release(self._replaced_proxies(props))
            self._props = merged
            return
        old = self._replaced_proxies(props)
        js_props = self._js_props(merged)
        self._props = merged
        try:
            await self._call(self._js_view, "update", js_props)
        finally:
            self._release(old)

    async def unmount(self):
        """Empty the container and release this view's proxies; safe to repeat."""
        await self._page.in_task(self._close())

    async def _close(self):
        if self.state == UNMOUNTED:
            return
        self.state = UNMOUNTED
        self._stop_watching()
        js_view, self._js_view = self._js_view, None
        try:
            if js_view is not None:
                await self._call(js_view, "unmount")
        finally:
            self._release(list(self._proxies.values()))
            self._proxies = {}
            self._on_closed(self)

    def _stop_watching(self):
        if self._alert_watch is not None:
            proxy, stop = self._alert_watch
            self._alert_watch = None
            stop()
            self._page.release(proxy)

    def _check_not_cancelled(self):
        if self.state != LOADING:
            raise MountCancelled("The " + self.name + " view was unmounted while loading.")

    async def _fail(self, error):
        self.error = error if isinstance(error, WidgetError) else sdk_error(str(error), self.name)
        js_view, self._js_view = self._js_view, None
        if js_view is not None:  # rendered part-way: leave the container clean
            try:
                await self._page.call_async(js_view, "unmount")
            except Exception:
                pass  # the failure already reported is the one that matters
        self.state = FAILED
        self._release(list(self._proxies.values()))
        self._proxies = {}
        self._on_closed(self)

    async def _call(self, js_view, method, *args):
        try:
            return await self._page.call_async(js_view, method, *args)
        except WidgetError:
            raise
        except Exception as error:
            raise sdk_error(str(error), self.name)

    def _js_props(self, props):
        js_props = {}
        for key, value in props.items():
            if callable(value):
                if key not in self._proxies:
                    self._proxies[key] = self._page.proxy(self._callback(key, value))
                value = self._proxies[key]
            js_props[camel_case(key)] = value
        return self._page.to_js(js_props)

    def _replaced_proxies(self, props):
        replaced = []
        for key in props:
            if key in self._proxies:
                replaced.append(self._proxies.pop(key))
        return replaced

    def _release(self, proxies):
        for proxy in proxies:
            self._page.release(proxy)

    def _callback(self, key, function):
        page = self._page

        def call_from_js(*args):
            try:
                result = function(*[page.to_py(arg) for arg in args])
                if hasattr(result, "send"):  # a coroutine: run it, don't hand it to JS
                    in_background(_report_failure(result, key, page))
            except Exception as error:
                page.warn("The " + key + " callback raised " + repr(error))

        return call_from_js


async def _report_failure(coroutine, key, page):
    try:
        await coroutine
    except Exception as error:
        page.warn("The " + key + " callback raised " + repr(error))


def camel_case(key):
    """``on_result`` -> ``onResult``: Python names for the widget's JS props."""
    words = key.split("_")
    return words[0] + "".join(word[:1].upper() + word[1:] for word in words[1:])
