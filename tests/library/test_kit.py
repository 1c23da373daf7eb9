"""WidgetKit and WidgetView: SDK calls, lifecycle, proxies, errors (widget-kit faked)."""

import asyncio

import pytest

from tiktokshop_widgets import (
    FAILED,
    MANAGE_RETURNS,
    MOUNTED,
    UNMOUNTED,
    NotInitialized,
    SdkConfigError,
    SdkUnavailable,
    TokenError,
    UnknownWidget,
    ContainerNotFound,
    WidgetConfig,
    WidgetEntryFailed,
    WidgetError,
    WidgetFailed,
    WidgetKit,
    WidgetLookupFailed,
    WidgetServiceError,
    WidgetView,
)
from tiktokshop_widgets.errors import SDK_PREFIX, sdk_error
from tiktokshop_widgets.kit import ENTRY_CACHE

from .fake_page import FakePage, JsRejection, as_js_drives_it, until

pytestmark = pytest.mark.anyio
MANIFEST = "/sandbox/widgets/reverse/1.0.0/manifest.json"
TOKEN = {"token": "tok-1", "expire_at": "1900000000"}


def config(**changes):
    values = dict(shop_id="7495610000000000001", region="US", app_key="6sandboxapp01",
                  isv_name="ISV", token_url="/api/v1/widget/access_token",
                  source="sandbox", entries={MANAGE_RETURNS: MANIFEST})
    values.update(changes)
    return WidgetConfig(**values)


class CountingToken:
    def __init__(self, error=None):
        self.calls = 0
        self.error = error

    async def __call__(self):
        self.calls += 1
        if self.error:
            raise self.error
        return dict(TOKEN)


async def outcome_of(awaitable):
    """What ``awaitable`` returns, or the exception it raises, cancellation included."""
    try:
        return await awaitable
    except BaseException as raised:
        return raised


def make_kit(page=None, token=None, **kwargs):
    page = page or FakePage()
    if "#returns" not in page.elements:
        page.add_element("#returns")
    return WidgetKit(config(), token=token or CountingToken(), page=page, **kwargs), page


async def test_init_gets_config_remotes_and_a_token_function():
    kit, page = make_kit()
    await kit.ready()

    (options,) = page.sdk.init_calls
    assert options["config"] == config().sdk_config()
    assert options["remotes"] == [{"name": MANAGE_RETURNS, "entry": MANIFEST}]
    assert await options["getToken"]() == TOKEN
    assert page.imports == [config().sdk_url]


async def test_init_runs_once_per_page_and_a_second_kit_goes_through_update():
    page = FakePage()
    first, _ = make_kit(page)
    await first.ready()
    second = WidgetKit(config(shop_id="7495610000000000002", region="GB"),
                       token=CountingToken(), page=page)
    await second.ready()

    assert len(page.sdk.init_calls) == 1
    assert page.sdk.update_calls[0]["config"]["shopId"] == "7495610000000000002"


async def test_a_second_kit_cannot_add_widgets_init_never_saw():
    page = FakePage()
    first, _ = make_kit(page)
    await first.ready()
    other = WidgetKit(config(), token=CountingToken(), page=page,
                      remotes=["@tiktokshop-widget/product:optimizer"])
    with pytest.raises(WidgetError, match="initialised in this page without"):
        await other.ready()


async def test_concurrent_callers_load_the_sdk_once():
    kit, page = make_kit()
    await asyncio.gather(kit.ready(), kit.ready(), kit.ready())
    assert len(page.imports) == 1 and len(page.sdk.init_calls) == 1


async def test_an_unreachable_sdk_is_reported_and_retried():
    kit, page = make_kit()
    page.import_error = "Failed to fetch dynamically imported module"

    with pytest.raises(SdkUnavailable) as error:
        await kit.mount(MANAGE_RETURNS, "#returns")
    assert str(error.value) == "TikTok's widget SDK could not be loaded from " + config().sdk_url + "."
    assert error.value.browser_message == "Failed to fetch dynamically imported module"
    page.import_error = None
    view = await kit.mount(MANAGE_RETURNS, "#returns")
    assert view.state == MOUNTED


async def test_a_config_the_sdk_refuses_keeps_its_message():
    kit, page = make_kit()
    kit.config.app_key = ""  # slipped past validation, e.g. changed after construction
    with pytest.raises(SdkConfigError, match="Protocol configuration error"):
        await kit.ready()


async def test_mount_renders_into_the_container_with_python_props():
    kit, page = make_kit()
    results = []
    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": results.append,
                                                              "page_size": 10})

    assert view.state == MOUNTED
    assert page.elements["#returns"].children == [MANAGE_RETURNS]
    content = page.sdk.contents[MANAGE_RETURNS]
    assert content.props["pageSize"] == 10
    assert content.props["shopId"] == "7495610000000000001"
    content.decide({"code": 0, "return_id": "4035", "decision": "APPROVE_REFUND"})
    assert results == [{"code": 0, "return_id": "4035", "decision": "APPROVE_REFUND"}]


async def test_async_callbacks_run_and_their_errors_are_reported_not_raised():
    kit, page = make_kit()
    seen = []

    async def on_result(result):
        seen.append(result)
        raise ValueError("app bug")

    await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": on_result})
    page.sdk.contents[MANAGE_RETURNS].decide({"code": 0})
    await until(lambda: page.warnings)
    assert seen == [{"code": 0}]
    assert "on_result callback raised ValueError('app bug')" in page.warnings[0]


async def test_the_widget_gets_its_token_through_the_kit():
    token = CountingToken()
    kit, page = make_kit(token=token)
    await kit.mount(MANAGE_RETURNS, "#returns")
    assert await page.sdk.contents[MANAGE_RETURNS].get_token() == TOKEN


async def test_a_dead_token_backend_fails_the_mount_with_a_token_error():
    token = CountingToken(error=TokenError("http", "The token service answered HTTP 500.", status=500))
    kit, page = make_kit(token=token)

    with pytest.raises(TokenError, match="HTTP 500"):
        await kit.mount(MANAGE_RETURNS, "#returns")
    assert page.elements["#returns"].children == []
    assert kit.views == []


async def test_a_failing_token_function_rejects_the_widgets_call_in_plain_words():
    token = CountingToken()
    kit, page = make_kit(token=token)
    await kit.mount(MANAGE_RETURNS, "#returns")
    token.error = TokenError("timeout", "The token service did not answer within 10 s.")

    with pytest.raises(Exception, match="did not answer within 10 s"):
        await page.sdk.contents[MANAGE_RETURNS].get_token()


async def test_unmount_empties_the_container_and_releases_every_proxy():
    kit, page = make_kit()
    await kit.ready()
    baseline = page.live_proxies
    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print, "on_close": print})
    assert page.live_proxies == baseline + 3  # the two callbacks, and the container's watch

    await view.unmount()
    assert view.state == UNMOUNTED
    assert page.elements["#returns"].children == []
    assert page.live_proxies == baseline
    await view.unmount()  # again: nothing happens
    assert page.live_proxies == baseline


async def test_unmounting_while_loading_means_nothing_appears_later():
    kit, page = make_kit()
    page.sdk.load_gate = asyncio.Event()
    mounting = asyncio.create_task(kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}))
    await until(lambda: page.sdk.load_calls)
    await kit.unmount("#returns")
    page.sdk.load_gate.set()  # the load finishes after the unmount

    assert (await mounting).state == UNMOUNTED
    assert page.elements["#returns"].children == []
    assert page.sdk.contents.get(MANAGE_RETURNS) is None or page.sdk.contents[MANAGE_RETURNS].mounts == 0
    view = await kit.mount(MANAGE_RETURNS, "#returns")  # and mounting again works
    assert view.state == MOUNTED and page.elements["#returns"].children == [MANAGE_RETURNS]


async def test_one_live_view_per_container_however_fast_the_calls():
    kit, page = make_kit()
    await kit.ready()
    baseline = page.live_proxies
    tasks = []
    for _ in range(20):
        tasks.append(asyncio.create_task(kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print})))
        await asyncio.sleep(0)
    outcomes = [await outcome_of(task) for task in tasks]

    assert [o.state for o in outcomes[:-1]] == [UNMOUNTED] * 19
    assert isinstance(outcomes[-1], WidgetView) and outcomes[-1].state == MOUNTED
    assert page.elements["#returns"].children == [MANAGE_RETURNS]
    assert len(kit.views) == 1
    assert page.live_proxies == baseline + 2  # its on_result, and the container's watch


async def test_the_same_widget_in_another_container_moves_there():
    # widget-kit shares one content per widget: two live containers would fight over it.
    kit, page = make_kit()
    page.add_element("#elsewhere")
    first = await kit.mount(MANAGE_RETURNS, "#returns")
    second = await kit.mount(MANAGE_RETURNS, "#elsewhere")

    assert first.state == UNMOUNTED and second.state == MOUNTED
    assert page.elements["#returns"].children == []
    assert page.elements["#elsewhere"].children == [MANAGE_RETURNS]


async def test_view_update_merges_props_and_releases_the_replaced_callbacks():
    kit, page = make_kit()
    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print, "page_size": 10})
    before = page.live_proxies
    seen = []

    await view.update({"on_result": seen.append})
    content = page.sdk.contents[MANAGE_RETURNS]
    assert content.props["pageSize"] == 10
    content.decide({"code": 0})
    assert seen == [{"code": 0}]
    assert page.live_proxies == before


async def test_updating_an_unmounted_view_is_an_error():
    kit, page = make_kit()
    view = await kit.mount(MANAGE_RETURNS, "#returns")
    await view.unmount()
    with pytest.raises(WidgetError, match="is unmounted; mount it again"):
        await view.update({"page_size": 5})


@pytest.mark.parametrize(
    "message, error_class",
    [
        (SDK_PREFIX + "Please call init first", NotInitialized),
        (SDK_PREFIX + "Current name configuration not found", UnknownWidget),
        (SDK_PREFIX + "Failed to get the latest version of the current widget, please try again",
         WidgetLookupFailed),
        (SDK_PREFIX + "Internal service error", WidgetServiceError),
        (SDK_PREFIX + "SyntaxError: Unexpected end of JSON input", WidgetServiceError),
        (SDK_PREFIX + "\n          @tiktokshop-widget/reverse:ManageReturns entry resource file "
         "failed to load, please check whether the @tiktokshop-widget/reverse:ManageReturns "
         "configuration is correc\n          ", WidgetEntryFailed),
    ],
)
async def test_sdk_failures_become_exceptions_that_keep_the_sdks_message(message, error_class):
    kit, page = make_kit()
    page.sdk.load_failures.append(message)

    with pytest.raises(error_class) as error:
        await kit.mount(MANAGE_RETURNS, "#returns")
    assert error.value.sdk_message == " ".join(message[len(SDK_PREFIX):].split())
    assert error.value.sdk_message in str(error.value)
    assert kit.views == [] and page.elements["#returns"].children == []


@pytest.mark.parametrize("error_class, plain_words", [
    (WidgetServiceError, "TikTok Shop's description of " + MANAGE_RETURNS
     + " (its manifest) is missing or malformed, so the widget cannot be loaded"),
    (WidgetEntryFailed, "The code of " + MANAGE_RETURNS + " (its entry script) could not be "
     "loaded from TikTok Shop, or it failed as it started"),
])
def test_a_missing_manifest_or_entry_is_said_in_plain_words_with_the_sdks_as_detail(
        error_class, plain_words):
    error = error_class("Internal service error", MANAGE_RETURNS)
    assert str(error) == plain_words + " (widget-kit: Internal service error)."


async def test_a_failed_entry_is_forgotten_so_that_retry_loads_it_again():
    kit, page = make_kit()
    page.globals[ENTRY_CACHE] = {"@tiktokshop-widget/reverse:1.0.0": "rejected promise",
                                 "@tiktokshop-widget/product:2.0.0": "kept"}
    page.sdk.load_failures.append(SDK_PREFIX + "x entry resource file failed to load, please")

    with pytest.raises(WidgetEntryFailed):
        await kit.mount(MANAGE_RETURNS, "#returns")
    assert page.globals[ENTRY_CACHE] == {"@tiktokshop-widget/product:2.0.0": "kept"}
    assert (await kit.mount(MANAGE_RETURNS, "#returns")).state == MOUNTED


async def test_an_unknown_widget_name_fails_with_the_sdks_words():
    kit, page = make_kit()
    with pytest.raises(UnknownWidget, match="Current name configuration not found"):
        await kit.mount("@tiktokshop-widget/product:optimizer", "#returns")


async def test_a_missing_container_is_a_clear_error():
    kit, _ = make_kit()
    with pytest.raises(ContainerNotFound, match="No element matches '#nowhere'"):
        await kit.mount(MANAGE_RETURNS, "#nowhere")


async def test_preload_starts_the_sdks_preload_and_warms_the_token():
    token = CountingToken()
    kit, page = make_kit(token=token)
    await kit.preload(MANAGE_RETURNS)

    assert page.sdk.preload_calls == [[MANAGE_RETURNS]]
    assert token.calls == 1


async def test_preload_failures_are_reported_not_raised():
    reported = []
    kit, page = make_kit(on_error=reported.append)
    page.sdk.load_failures.append(SDK_PREFIX + "Internal service error")

    await kit.preload()  # must not raise
    assert isinstance(reported[0], WidgetServiceError)
    assert (await kit.mount(MANAGE_RETURNS, "#returns")).state == MOUNTED  # the mount retries


async def test_the_sdks_own_preload_rejections_are_kept_from_the_page():
    kit, page = make_kit()
    await kit.ready()
    (handler,) = page.rejection_handlers

    class Event:
        prevented = False

        def preventDefault(self):
            self.prevented = True

    sdk_event, app_event = Event(), Event()
    handler(SDK_PREFIX + "Internal service error", sdk_event)
    handler("TypeError: the app's own bug", app_event)
    assert sdk_event.prevented and not app_event.prevented


async def test_update_swaps_the_token_source_and_releases_the_old_function():
    kit, page = make_kit()
    await kit.mount(MANAGE_RETURNS, "#returns")
    before = page.live_proxies
    new_token = CountingToken()

    await kit.update(token=new_token)
    await page.sdk.contents[MANAGE_RETURNS].get_token()
    assert new_token.calls == 1
    assert page.live_proxies == before


async def test_update_with_a_new_shop_rebinds_the_default_token_source():
    page = FakePage()
    page.add_element("#returns")
    kit = WidgetKit(config(), page=page)
    await kit.ready()
    await kit.update(config=config(shop_id="7495610000000000002", region="GB"))

    assert page.sdk.update_calls[-1]["config"]["oecRegion"] == "GB"
    assert "outer_shop_id=7495610000000000002" in kit.token.url


async def test_a_failure_after_render_leaves_the_container_clean():
    kit, page = make_kit()
    original = page.sdk.loadWidget

    async def load_then_break(name):
        component = await original(name)
        real_create = component.create

        def create(element):
            view = real_create(element)

            async def render(props):
                view.content.mount(element, view._props(props))
                raise RuntimeError("widget crashed while rendering")

            view.render = render
            return view

        component.create = create
        return component

    page.sdk.loadWidget = load_then_break
    with pytest.raises(WidgetError, match="widget crashed while rendering") as error:
        await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print})
    assert page.elements["#returns"].children == []
    assert kit.views == []
    assert error.value is not None and isinstance(error.value, WidgetError)


def test_unknown_sdk_messages_stay_generic_sdk_errors():
    error = sdk_error("something new")
    assert type(error).__name__ == "SdkError" and "something new" in str(error)


async def test_a_view_that_fails_to_load_says_so_and_holds_nothing():
    page = FakePage()
    element = page.add_element("#returns")
    closed = []
    view = WidgetView(MANAGE_RETURNS, element, {"on_result": print}, page, closed.append)

    async def failing_load():
        raise WidgetServiceError("Internal service error", MANAGE_RETURNS)

    with pytest.raises(WidgetServiceError):
        await view._open(failing_load)
    assert view.state == FAILED
    assert isinstance(view.error, WidgetServiceError)
    assert closed == [view] and page.live_proxies == 0


def test_js_error_messages_come_out_plain_on_either_interpreter():
    from tiktokshop_widgets.errors import js_error_message

    class PyodideJsException(Exception):
        message = "pyodide.ffi.JsException: TypeError: Failed to fetch\n"

    micropython = Exception(object(), "TypeError", "Failed to fetch")
    assert js_error_message(PyodideJsException()) == "TypeError: Failed to fetch"
    assert js_error_message(micropython) == "Failed to fetch"
    assert js_error_message(WidgetError("plain words")) == "plain words"


async def test_racing_mounts_into_a_mounted_container_leave_one_view_and_no_stray_proxy():
    kit, page = make_kit()
    await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print})
    baseline = page.live_proxies

    outcomes = await asyncio.gather(
        kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}),
        kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}))

    assert sorted(view.state for view in outcomes) == [MOUNTED, UNMOUNTED]
    assert len(kit.views) == 1 and kit.views[0].state == MOUNTED
    assert page.elements["#returns"].children == [MANAGE_RETURNS]
    assert page.live_proxies == baseline


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class InvalidatableToken(CountingToken):
    def __init__(self):
        super().__init__()
        self.invalidated = 0

    async def __call__(self):
        self.calls += 1
        return {"token": "tok-%d" % (self.invalidated + 1), "expire_at": "1900000000"}

    def invalidate(self):
        self.invalidated += 1


async def test_a_widget_asking_again_at_once_for_the_same_token_gets_a_new_one():
    clock = Clock()
    token = InvalidatableToken()
    page = FakePage()
    page.add_element("#returns")
    kit = WidgetKit(config(), token=token, page=page, clock=clock)
    await kit.mount(MANAGE_RETURNS, "#returns")
    content = page.sdk.contents[MANAGE_RETURNS]

    assert (await content.get_token())["token"] == "tok-1"
    clock.now += 2  # the platform refused it: the widget asks again
    assert (await content.get_token())["token"] == "tok-2"
    clock.now += 2  # and again, too soon: the backend is not asked again for that
    assert (await content.get_token())["token"] == "tok-2"
    clock.now += 60  # later asks reuse the token as usual
    assert (await content.get_token())["token"] == "tok-2"
    assert token.invalidated == 1


async def test_a_token_source_widget_kit_refuses_is_released_and_the_old_one_kept():
    kit, page = make_kit()
    await kit.mount(MANAGE_RETURNS, "#returns")
    before = page.live_proxies
    old_token = kit.token

    def refuse(options):
        raise JsRejection(SDK_PREFIX + "Protocol configuration error.\\\"getToken\\\" type error.")

    page.sdk.update = refuse
    with pytest.raises(SdkConfigError):
        await kit.update(token=CountingToken())
    assert page.live_proxies == before
    assert kit.token is old_token
    assert await page.sdk.contents[MANAGE_RETURNS].get_token() == TOKEN


# -- awaited from a coroutine JS drives (an async click handler on MicroPython) ---


async def test_a_double_click_on_a_mount_button_shows_one_widget_and_no_error():
    kit, page = make_kit()
    first = asyncio.ensure_future(as_js_drives_it(kit.mount(MANAGE_RETURNS, "#returns")))
    second = asyncio.ensure_future(as_js_drives_it(kit.mount(MANAGE_RETURNS, "#returns")))

    outcomes = [await outcome_of(first), await outcome_of(second)]

    assert outcomes[0].state == UNMOUNTED  # no error: the second click won
    assert isinstance(outcomes[1], WidgetView) and outcomes[1].state == MOUNTED
    assert page.elements["#returns"].children == [MANAGE_RETURNS]
    assert len(kit.views) == 1


async def test_mount_over_a_showing_widget_and_mount_unmount_mount_from_js_handlers():
    kit, page = make_kit()
    await as_js_drives_it(kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}))
    baseline = page.live_proxies

    again = await as_js_drives_it(kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}))
    handlers = [asyncio.ensure_future(as_js_drives_it(call)) for call in (
        kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}),
        kit.unmount("#returns"),
        kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}))]
    first, unmounted, last = [await outcome_of(handler) for handler in handlers]

    assert again.state == UNMOUNTED  # replaced by the later mounts
    assert first.state == UNMOUNTED and unmounted is None
    assert last.state == MOUNTED and kit.views == [last]
    assert page.elements["#returns"].children == [MANAGE_RETURNS]
    assert page.live_proxies == baseline
    await as_js_drives_it(last.update({"on_result": print}))
    await as_js_drives_it(kit.update(token=CountingToken()))
    await as_js_drives_it(last.unmount())
    assert page.elements["#returns"].children == [] and kit.views == []


async def test_a_cancelled_mount_raises_nothing_from_a_js_driven_handler():
    # An async click handler (PyScript's @when) awaiting a mount that a Hide click
    # cancels must end quietly: anything raised out of it is an uncaught page error.
    kit, page = make_kit()
    page.sdk.load_gate = asyncio.Event()
    mounting = asyncio.ensure_future(as_js_drives_it(kit.mount(MANAGE_RETURNS, "#returns")))
    await until(lambda: page.sdk.load_calls)
    await as_js_drives_it(kit.unmount("#returns"))
    page.sdk.load_gate.set()

    view = await mounting
    assert view.state == UNMOUNTED and view.error is None
    assert page.elements["#returns"].children == []


async def test_the_widgets_get_token_hands_js_a_promise_and_python_returns_nothing():
    # FakeProxy fails any Python function called from JS that returns something:
    # MicroPython 1.28 may collect a JS object returned that way before JS reads it.
    kit, page = make_kit()
    await kit.mount(MANAGE_RETURNS, "#returns")
    get_token = page.sdk.core["getToken"]

    results = await asyncio.gather(*[get_token() for _ in range(5)])

    assert results == [TOKEN] * 5


APP_KEY_REFUSED = "This app key is not registered with TikTok Shop (36004003)"


async def test_a_widget_failing_once_shown_is_reported_and_its_view_failed_until_it_recovers():
    reported = []
    kit, page = make_kit(on_error=reported.append)
    view = await kit.mount(MANAGE_RETURNS, "#returns")
    container = page.elements["#returns"]
    await until(lambda: container.alert_watchers and container.alert_watchers[0].last == "")
    assert view.state == MOUNTED and reported == []

    container.show_alert(APP_KEY_REFUSED)  # the platform refused the app key

    assert view.state == FAILED
    assert isinstance(view.error, WidgetFailed) and view.error.code == "36004003"
    assert view.error.widget_message == APP_KEY_REFUSED
    assert str(view.error) == MANAGE_RETURNS + " reported: " + APP_KEY_REFUSED + "."
    assert reported == [view.error]
    assert kit.views == [view]  # still on screen, with the widget's own words and Retry
    await view.update({"on_result": print})  # still the widget's to update

    container.show_alert("")  # the seller's Retry in the widget worked
    assert view.state == MOUNTED and view.error is None


async def test_an_alert_shown_while_the_view_mounts_is_seen_and_reported_to_the_console():
    kit, page = make_kit()
    page.elements["#returns"].show_alert("Could not reach TikTok Shop. Check the internet "
                                         "connection and try again.")
    view = await kit.mount(MANAGE_RETURNS, "#returns")
    await until(lambda: view.state == FAILED)

    assert view.error.code is None
    assert page.warnings == [MANAGE_RETURNS + " reported: Could not reach TikTok Shop. Check "
                             "the internet connection and try again."]


async def test_an_unmounted_view_stops_watching_its_container():
    kit, page = make_kit(on_error=lambda error: pytest.fail("reported " + str(error)))
    await kit.ready()
    baseline = page.live_proxies
    view = await kit.mount(MANAGE_RETURNS, "#returns")
    await view.unmount()

    page.elements["#returns"].show_alert(APP_KEY_REFUSED)  # another widget's, say
    assert view.state == UNMOUNTED and view.error is None
    assert page.elements["#returns"].alert_watchers == [] and page.live_proxies == baseline


def test_a_widgets_message_without_a_code_has_none():
    assert WidgetFailed("Something broke (again)").code is None
    assert WidgetFailed("Traffic is invalid (I01008)").code == "I01008"


async def test_an_sdk_the_pages_own_policy_blocks_is_named_for_the_developer():
    kit, page = make_kit()
    page.import_error = "Failed to fetch dynamically imported module"
    page.policy_blocks["https://cdn.jsdelivr.net/"] = "script-src-elem"
    with pytest.raises(SdkUnavailable, match="this page's security settings do not allow it"):
        await kit.mount(MANAGE_RETURNS, "#returns")
    (warning,) = page.warnings
    assert "its script-src-elem does not allow https://cdn.jsdelivr.net. Add " \
           "https://cdn.jsdelivr.net to the policy's script-src " in warning


async def test_a_cancelled_caller_leaves_nothing_half_mounted():
    kit, page = make_kit()
    await kit.ready()
    baseline = page.live_proxies
    page.sdk.load_gate = asyncio.Event()
    mounting = asyncio.create_task(kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print}))
    await until(lambda: page.sdk.load_calls)
    mounting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await mounting
    page.sdk.load_gate.set()

    await until(lambda: kit.views == [])
    for _ in range(10):  # nothing appears later either
        await asyncio.sleep(0)
    assert page.elements["#returns"].children == [] and page.live_proxies == baseline
