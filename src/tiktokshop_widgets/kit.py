"""TikTok's widget SDK for one page: initialise once, preload, mount views.

    kit = WidgetKit(config)                      # token: BackendToken(config.token_url, ...)
    kit.preload(MANAGE_RETURNS)                  # starts fetching while the page settles
    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": on_result})
    await kit.unmount("#returns")                # or view.unmount()
    await kit.update(token=my_token_function)    # new config or token source, same page

widget-kit keeps one core per page (``init`` is a singleton), loads each
widget once and shares the widget's content among its containers. So the kit
calls ``init`` once per page and ``update`` after that, and keeps at most one
live view per container and per widget: mounting again first unmounts the
view already there. Each public coroutine runs in a task of its own
(``Page.in_task``): any coroutine may await it, on either interpreter, several
at once (a double click on a button that mounts, say).
"""

import asyncio
import time

from .background import in_background
from .errors import (
    SDK_PREFIX,
    MountCancelled,
    SdkUnavailable,
    WidgetEntryFailed,
    WidgetError,
    sdk_error,
)
from .page import policy_advice
from .token import BackendToken, token_info
from .view import WidgetView

# widget-kit caches the promise of each remote entry here, failures included.
ENTRY_CACHE = "__GLOBAL_LOADING_REMOTE_ENTRY__"

# The SDK module is per page (an ES module), so is its one initialised core.
_page_core = {}

# A widget that asks again, this soon, for the token it was just given found
# it unusable (expired on the platform's clock, revoked): it gets a new one,
# but the backend is asked at most once per REISSUE_INTERVAL for that reason.
REASK_WINDOW = 10
REISSUE_INTERVAL = 30


class WidgetKit:
    """widget-kit for one page, with ``config`` (a ``WidgetConfig`` for a chosen shop).

    ``token``: an async callable returning ``{"token", "expire_at"}`` (default:
    ``BackendToken`` on ``config.token_url``); ``remotes``: widget-kit's remotes
    (default: ``config.remotes()``); ``on_error``: called with the ``WidgetError``
    of a failed ``preload``. ``page`` and ``clock`` are for tests.

    Props given to ``mount`` and ``WidgetView.update`` are Python values, with
    Python names (``on_result`` for the widget's ``onResult``). ManageReturns calls
    ``on_result`` with a dict after each decision: ``{"code": 0, "return_id": ...,
    "decision": ...}`` (``code`` non-zero: the platform refused it), ``decision``
    one of ``APPROVE_REFUND``, ``APPROVE_RETURN``, ``APPROVE_RECEIVED_PACKAGE``,
    ``APPROVE_REPLACEMENT``, ``REJECT_REFUND``, ``REJECT_RETURN``,
    ``REJECT_RECEIVED_PACKAGE``, ``REJECT_REPLACEMENT``.
    """

    def __init__(self, config, token=None, remotes=None, on_error=None, page=None,
                 clock=time.time):
        self.config = config
        self._page = page
        self._own_token = token is None
        self.token = token if token is not None else _backend_token(config, page)
        self.remotes = _remotes(remotes) if remotes is not None else config.remotes()
        self._on_error = on_error
        self._sdk = None
        self._sdk_ready = None  # asyncio.Event while the SDK is being loaded
        self._sdk_error = None
        self._get_token = None  # the JS getToken proxy handed to the SDK
        self._views = {}        # container id -> WidgetView
        self._clock = clock
        self._handed = (None, 0)  # the token last given to a widget, and when
        self._reissued_at = None

    @property
    def page(self):
        """The JavaScript side (``BrowserPage``, made on first use unless one was given)."""
        if self._page is None:
            from .browser import BrowserPage

            self._page = BrowserPage()
        return self._page

    @property
    def views(self):
        """The live views, loading or mounted."""
        return list(self._views.values())

    async def ready(self):
        """Load widget-kit and initialise it; a failure can be retried by calling again."""
        return await self.page.in_task(self._ready())

    async def _ready(self):
        if self._sdk is not None:
            return self._sdk
        if self._sdk_ready is None:
            self._sdk_ready = asyncio.Event()
            self._sdk_error = None
            try:
                self._sdk = await self._load_sdk()
            except WidgetError as error:
                self._sdk_error = error
            finally:
                ready, self._sdk_ready = self._sdk_ready, None
                ready.set()
        else:
            await self._sdk_ready.wait()
        if self._sdk is None:
            raise self._sdk_error or SdkUnavailable("Loading the widget SDK was interrupted.")
        return self._sdk

    def preload(self, *names):
        """Start loading widgets (default: all remotes) so that mounting is quick.

        widget-kit's ``preloadWidget`` drops its promise; the kit follows the same
        load and reports a failure to ``on_error`` instead of leaving an
        unhandled rejection. Returns the task doing it.
        """
        return in_background(self._preload(list(names) or self._remote_names()))

    async def mount(self, name, target, props=None):
        """Mount widget ``name`` into ``target`` (a selector or an element).

        Returns the ``WidgetView``: mounted, or, if it was unmounted (or
        replaced by another mount) before it finished, unmounted. That is no
        error: a seller who clicked twice or moved on sees nothing, and an
        event handler awaiting this ends quietly (a cancellation raised out of
        a PyScript handler would be an uncaught error on the page).
        """
        return await self.page.in_task(self._mount(name, target, props))

    async def _mount(self, name, target, props):
        element = self.page.element(target)
        replaced = [v for v in self.views if v.container_id == element.id or v.name == name]
        view = WidgetView(name, element, props, self.page, self._forget, self._report)
        # Registered before any await, so that a mount racing this one replaces it.
        self._views[element.id] = view
        for old in replaced:
            await old._close()
        try:
            return await view._open(lambda: self._load_with_token(name))
        except MountCancelled:
            return view  # unmounted meanwhile: whoever did it has the container now

    async def unmount(self, target):
        """Unmount whatever view is in ``target``, loading or mounted."""
        await self.page.in_task(self._unmount(target))

    async def _unmount(self, target):
        view = self._views.get(self.page.element(target).id)
        if view is not None:
            await view._close()

    async def update(self, config=None, token=None):
        """Change the shop config and/or the token source of every widget."""
        await self.page.in_task(self._update(config, token))

    async def _update(self, config, token):
        sdk = await self._ready()
        options = {}
        keeps_own_token = self._own_token and token is None
        if config is not None:
            options["config"] = config.sdk_config()
            if keeps_own_token:  # the default token source is bound to the shop
                token = _backend_token(config, self.page)
        if token is None:
            _call_sdk(self.page, sdk.update, self.page.to_js(options))
        else:
            old_get_token = self._get_token
            self._hand_sdk_get_token(sdk.update, options)
            self.page.release(old_get_token)
            self.token = token
            self._own_token = keeps_own_token
        if config is not None:
            self.config = config

    async def _load_sdk(self):
        page = self.page
        try:
            sdk = await page.import_module(self.config.sdk_url)
        except Exception as error:
            directive = await page.blocked_by_policy(self.config.sdk_url)
            if directive:
                page.warn(policy_advice(self.config.sdk_url, directive))
            failure = SdkUnavailable("TikTok's widget SDK could not be loaded from "
                                     + self.config.sdk_url + (
                                         ": this page's security settings do not allow it."
                                         if directive else "."))
            failure.browser_message = str(error)
            if directive:
                failure.kind = "blocked"
            raise failure
        core = _page_core.get(self.config.sdk_url)
        if core is not None:  # init already ran in this page: it ignores new options
            missing = [r["name"] for r in self.remotes if r["name"] not in core["names"]]
            if missing:
                raise WidgetError("widget-kit was initialised in this page without "
                                  + ", ".join(missing) + "; list every widget in the first kit.")
            self._hand_sdk_get_token(sdk.update, {"config": self.config.sdk_config()})
            return sdk
        options = {"config": self.config.sdk_config(), "remotes": self.remotes}
        if self.config.resource_region:
            options["region"] = self.config.resource_region
        self._hand_sdk_get_token(sdk.init, options)
        _page_core[self.config.sdk_url] = {"names": self._remote_names()}
        page.on_unhandled_rejection(_hide_sdk_preload_rejection)
        return sdk

    def _hand_sdk_get_token(self, call, options):
        """``call(options)`` with a getToken function, kept only if widget-kit took it."""
        get_token = self.page.async_function(self._token_for_widget)
        options["getToken"] = get_token
        try:
            _call_sdk(self.page, call, self.page.to_js(options))
        except WidgetError:
            self.page.release(get_token)
            raise
        self._get_token = get_token

    async def _preload(self, names):
        try:
            sdk = await self._ready()
            _call_sdk(self.page, sdk.preloadWidget, self.page.to_js(names))
            # The same in-flight work, now with an outcome; and a token for the first mount.
            await asyncio.gather(self.token(), *[self._load(name) for name in names])
        except WidgetError as error:
            self._report(error)

    async def _load_with_token(self, name):
        """The widget, once a token is known to be at hand: a dead backend fails the mount."""
        component, _ = await asyncio.gather(self._load(name), self.token())
        return component

    async def _load(self, name):
        sdk = await self._ready()
        self.page.show_running_script()  # the widget's entry script may look for itself
        try:
            return await self.page.call_async(sdk, "loadWidget", name)
        except Exception as error:
            failure = sdk_error(str(error), name)
            if isinstance(failure, WidgetEntryFailed):
                # widget-kit would hand this failure to every later load: forget it.
                self._forget_entry(name)
            raise failure

    async def _token_for_widget(self):
        """getToken as the widget calls it: ``{token, expire_at}`` as a JS object."""
        try:
            info = await self._checked_token()
            now = self._clock()
            token, handed_at = self._handed
            if info["token"] == token and now - handed_at < REASK_WINDOW and (
                    self._reissued_at is None or now - self._reissued_at >= REISSUE_INTERVAL):
                invalidate = getattr(self.token, "invalidate", None)
                if invalidate is not None:
                    invalidate()
                self._reissued_at = now
                info = await self._checked_token()
            self._handed = (info["token"], now)
            return self.page.to_js(info)
        except WidgetError as error:
            self._report(error)
            raise

    async def _checked_token(self):
        info = await self.token()
        if not isinstance(info, dict):
            raise WidgetError("The token function returned " + repr(type(info)) + ", not a dict.")
        return token_info({"data": info})

    def _forget_entry(self, name):
        # Keys are "<scope>:<version>"; the scope is the widget name before ":".
        self.page.delete_global_entries(ENTRY_CACHE, name.split(":")[0] + ":")

    def _forget(self, view):
        if self._views.get(view.container_id) is view:
            del self._views[view.container_id]

    def _remote_names(self):
        return [remote["name"] for remote in self.remotes]

    def _report(self, error):
        if self._on_error is not None:
            self._on_error(error)
        else:
            self.page.warn(str(error))


def _backend_token(config, page):
    return BackendToken(config.token_url, outer_shop_id=config.shop_id,
                        partner_type=config.partner_type, timeout=config.token_timeout,
                        page=page)


def _remotes(remotes):
    """Names or ``{"name", "entry"}`` dicts, as widget-kit's ``remotes``."""
    result = []
    for remote in remotes:
        result.append({"name": remote} if isinstance(remote, str) else dict(remote))
    return result


def _call_sdk(page, method, *args):
    """Call a synchronous widget-kit function; its throw becomes an SdkError."""
    try:
        return page.call(method, *args)
    except Exception as error:
        raise sdk_error(str(error))


def _hide_sdk_preload_rejection(message, event):
    # preloadWidget drops its promises; WidgetKit._preload reports the same failure.
    if message.startswith(SDK_PREFIX):
        event.preventDefault()
