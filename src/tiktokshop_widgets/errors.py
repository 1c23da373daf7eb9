"""Every failure the package reports, as one family of exceptions.

    try:
        view = await kit.mount(MANAGE_RETURNS, "#returns")
    except TokenError as error:       # the ISV backend did not give a token
        show(str(error))              # plain words, safe to show a seller
    except WidgetError as error:      # anything else this package reports
        show(str(error))

``str(error)`` is always a sentence meant for people; the details a program
needs are attributes (``TokenError.kind``, ``SdkError.sdk_message``).
"""

import asyncio

SDK_PREFIX = "[ OpenWidget Runtime ]: "


class WidgetError(Exception):
    """Base class: something went wrong embedding a widget."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class ConfigError(WidgetError):
    """The widget configuration is incomplete or malformed.

    ``problems`` lists each thing to fix.
    """

    def __init__(self, problems, where="widget configuration"):
        self.problems = list(problems)
        super().__init__("Fix the " + where + ": " + "; ".join(self.problems) + ".")


class BackendError(WidgetError):
    """The ISV backend did not answer as it should.

    ``kind`` is one of "http", "json", "code", "timeout", "network" (and, for
    tokens, "field", "expired"); ``status`` is the HTTP status, ``code``,
    ``backend_message`` and ``data`` what the backend said, when known.
    ``connect_url`` is set when the backend answered that the seller must
    connect their TikTok Shop first (``reconnect``: again, their connection
    lapsed): any endpoint may say so, the token endpoint included.
    ``browser_message`` is the browser's own words when no reply came
    ("Failed to fetch"): for developers, never in the message.
    """

    def __init__(self, kind, message, status=None, code=None, backend_message=None, data=None,
                 connect_url=None, reconnect=False):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.code = code
        self.backend_message = backend_message
        self.data = data
        self.connect_url = connect_url
        self.reconnect = reconnect
        self.browser_message = None


class TokenError(BackendError):
    """The token source did not give a usable widget token."""


class SellerNotConnected(BackendError):
    """No TikTok Shop is connected for this seller yet, or its connection has lapsed.

    ``connect_url`` starts TikTok Shop's authorization (the backend's OAuth
    start); ``reconnect`` is true when the seller had connected before and must
    authorize again.
    """


class SdkUnavailable(WidgetError):
    """TikTok's widget SDK (widget-kit) could not be loaded at all.

    ``kind`` is "network", or "blocked" when the page's own
    Content-Security-Policy does not allow its origin (the console says what to
    add); ``browser_message`` is the browser's own words, for developers.
    """

    kind = "network"
    browser_message = None


class SdkError(WidgetError):
    """widget-kit reported an error; ``sdk_message`` is its own words.

    ``str()`` says what went wrong in plain words, with widget-kit's message
    after it as detail: "... (widget-kit: Internal service error)."
    """

    summary = "TikTok's widget SDK reported an error for {widget}"

    def __init__(self, sdk_message, widget=None):
        self.sdk_message = sdk_message
        self.widget = widget
        super().__init__(self.summary.format(widget=widget or "the widget")
                         + " (widget-kit: " + sdk_message + ").")


class NotInitialized(SdkError):
    """widget-kit was used before ``init``."""
    summary = "The widget SDK was used before it was initialised, loading {widget}"


class UnknownWidget(SdkError):
    """The widget is not among the kit's remotes."""
    summary = "{widget} is not one of the widgets the kit was configured with (its remotes)"


class WidgetLookupFailed(SdkError):
    """TikTok could not say where the widget lives."""
    summary = "TikTok Shop could not say where to load {widget} from"


class WidgetServiceError(SdkError):
    """The widget's manifest is missing or malformed."""
    summary = ("TikTok Shop's description of {widget} (its manifest) is missing or "
               "malformed, so the widget cannot be loaded")


class WidgetEntryFailed(SdkError):
    """The widget's entry script failed to load or start."""
    summary = ("The code of {widget} (its entry script) could not be loaded from "
               "TikTok Shop, or it failed as it started")


class SdkConfigError(SdkError):
    """widget-kit refused the configuration."""
    summary = "The widget SDK refused the configuration it was given for {widget}"


# The SDK's own messages (widget-kit 1.0.4), most specific first.
_SDK_ERRORS = (
    ("Please call init first", NotInitialized),
    ("Current name configuration not found", UnknownWidget),
    ("Failed to get the latest version", WidgetLookupFailed),
    ("entry resource file failed to load", WidgetEntryFailed),
    ("Protocol configuration error", SdkConfigError),
    ("Internal service error", WidgetServiceError),
    # The only JSON widget-kit parses unguarded is the manifest.
    ("SyntaxError", WidgetServiceError),
)


def sdk_error(message, widget=None):
    """The SdkError subclass for one of widget-kit's messages, prefix removed."""
    if message.startswith(SDK_PREFIX):
        message = message[len(SDK_PREFIX):]
    message = " ".join(message.split())  # the SDK's messages carry stray newlines
    for fragment, cls in _SDK_ERRORS:
        if fragment in message:
            return cls(message, widget)
    return SdkError(message, widget)


class WidgetFailed(WidgetError):
    """The widget, once shown, reported a failure of its own: TikTok Shop refused
    the app key, say, or the widget lost its connection.

    ``widget_message`` is the widget's own words, as it shows them to the
    seller; ``code`` the platform's code at their end, when there is one
    ("36004003"), else None.
    """

    def __init__(self, widget_message, widget=None):
        self.widget_message = widget_message
        self.widget = widget
        self.code = _trailing_code(widget_message)
        super().__init__((widget or "The widget") + " reported: " + widget_message
                         + ("" if widget_message.endswith((".", "!", "?")) else "."))


def _trailing_code(message):
    """"36004003" out of "... registered with TikTok Shop (36004003)"; None without one."""
    if not message.endswith(")") or "(" not in message:
        return None
    code = message[message.rindex("(") + 1:-1]
    # Digits, maybe after letters ("I01008"); MicroPython's str has no isalnum.
    digits = code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if digits and all(char in "0123456789" for char in digits):
        return code
    return None


class ContainerNotFound(WidgetError):
    """No element matches the selector given as a widget's container."""


class MountCancelled(asyncio.CancelledError):
    """The view was unmounted (or replaced) before it finished mounting.

    Inside the library only: ``kit.mount`` turns it into the view's
    "unmounted" state. A cancellation, as asyncio's own, so that no
    ``except Exception`` on the way takes it for a failure.
    """

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


PYODIDE_PREFIX = "pyodide.ffi.JsException: "


def js_error_message(error):
    """The message of a JS error raised into Python, on either interpreter.

    MicroPython's JsException carries ``(js_error, name, message)`` in
    ``args``; Pyodide's ``message`` may start with its own class name.
    """
    args = getattr(error, "args", ())
    if len(args) == 3 and isinstance(args[2], str):
        return args[2]
    message = getattr(error, "message", None)
    if not isinstance(message, str):
        message = str(error)
    if message.startswith(PYODIDE_PREFIX):
        message = message[len(PYODIDE_PREFIX):]
    return message.strip()
