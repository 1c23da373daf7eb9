"""The Returns & Refunds tab: the widget while the tab is shown, a message otherwise.

    tab = ReturnsTab(kit, panel, container="#returns-widget")
    await tab.show()   # loading placeholder, then the widget (or the cause + Retry)
    await tab.hide()   # unmounts the widget, even one still loading
    await tab.retry()  # after a failure
    await tab.shop_changed()  # the kit's shop changed: a failed widget gets another try

The widget's decisions come back through its ``onResult`` prop and are shown
in the panel's activity line, outside the widget. ``on_mounted()`` is called
each time the widget shows (its token came from the backend).
"""

from tiktokshop_widgets import (
    MANAGE_RETURNS,
    MOUNTED,
    SdkUnavailable,
    TokenError,
    WidgetEntryFailed,
    WidgetError,
    WidgetLookupFailed,
    WidgetServiceError,
)


class ReturnsTab:
    def __init__(self, kit, panel, container, widget=MANAGE_RETURNS, on_decision=None,
                 on_mounted=None):
        self.kit = kit
        self.on_decision = on_decision
        self.on_mounted = on_mounted
        self.panel = panel
        self.container = container
        self.widget = widget
        self.visible = False
        self.mounted = False
        self.decisions = []  # what the widget reported, newest last

    async def show(self):
        if self.visible:
            return
        self.visible = True
        await self._mount()

    async def hide(self):
        if not self.visible:
            return
        self.visible = self.mounted = False
        await self.kit.unmount(self.container)
        self.panel.loading("Loading Returns & Refunds…")

    async def retry(self):
        if self.visible:
            await self._mount()

    async def shop_changed(self):
        # A mounted widget follows the kit's new shop by itself (widget-kit's update).
        if self.visible and not self.mounted:
            await self._mount()

    async def _mount(self):
        self.mounted = False
        self.panel.loading("Loading Returns & Refunds…")
        try:
            view = await self.kit.mount(self.widget, self.container,
                                        props={"on_result": self.on_result})
        except WidgetError as error:
            if not self.visible:
                return
            if getattr(error, "connect_url", None):  # the token endpoint said: connect first
                self.panel.connect(*ask_to_connect(error))
                return
            headline, detail, can_retry = explain(error)
            self.panel.failed(headline, detail, can_retry)
            return
        if view.state != MOUNTED:
            return  # hidden (or mounted again) meanwhile: that call owns the panel
        self.mounted = True
        self.panel.mounted()
        if self.on_mounted is not None:
            self.on_mounted()

    def on_result(self, result):
        """The widget's report of one decision: ``{code, return_id, decision}``."""
        if not isinstance(result, dict):
            return
        self.decisions.append(result)
        self.panel.activity(describe_decision(result))
        if self.on_decision is not None and result.get("code") == 0:
            self.on_decision()


def ask_to_connect(error):
    """(headline, detail, url) asking the seller to connect their shop, as ``error`` says."""
    if error.reconnect:
        return ("Connect your TikTok Shop again",
                "Your TikTok Shop's connection to this app has lapsed: connect it again to see "
                "and answer your buyers' return and refund requests here.", error.connect_url)
    return ("Connect your TikTok Shop",
            "Connect your TikTok Shop to see and answer your buyers' return and refund "
            "requests here.", error.connect_url)


def explain(error):
    """(headline, detail, can_retry) in plain words for a failure to show the widget."""
    advice, can_retry = advice_for(error)
    if isinstance(error, TokenError):
        headline = "Could not get access to your TikTok Shop returns."
        if error.status == 401:
            advice = "Sign in to the app again, then retry."
        elif error.status == 403:
            advice, can_retry = "This account cannot manage this shop's returns.", False
        elif error.kind in ("code", "field", "expired", "json"):
            advice = "The app's server gave an unusable answer; retry, or contact the app's support."
    elif isinstance(error, SdkUnavailable):
        headline = "TikTok Shop's widget library could not be downloaded."
    elif isinstance(error, WidgetLookupFailed):
        headline = "TikTok Shop could not find the Returns & Refunds widget right now."
        advice = "TikTok Shop may be busy; retry in a moment."
    elif isinstance(error, (WidgetServiceError, WidgetEntryFailed)):
        headline = "The Returns & Refunds widget could not be loaded from TikTok Shop."
        advice = "TikTok Shop may be busy; retry in a moment."
    else:
        headline = "The Returns & Refunds widget could not be shown."
    return headline, sentence(str(error)) + " " + advice, can_retry


def advice_for(error):
    """(what the seller can do, whether Retry may help) when a request got no usable reply."""
    kind = getattr(error, "kind", None)
    if kind == "blocked":  # the page's own settings: the console tells the developer what to fix
        return "This page is not set up to reach it; please tell the app's support.", False
    if kind in ("network", "timeout"):
        return "Check your connection, then retry.", True
    return "Retry in a moment; if it keeps failing, tell the app's support.", True


def sentence(text):
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# What each decision the widget reports did, in the seller's words.
DECISION_WORDS = {
    "APPROVE_REFUND": "refund approved",
    "APPROVE_RETURN": "return approved",
    "APPROVE_RECEIVED_PACKAGE": "returned package accepted",
    "APPROVE_REPLACEMENT": "replacement approved",
    "REJECT_REFUND": "refund rejected",
    "REJECT_RETURN": "return rejected",
    "REJECT_RECEIVED_PACKAGE": "returned package rejected",
    "REJECT_REPLACEMENT": "replacement rejected",
}


def describe_decision(result):
    return_id = str(result.get("return_id", "?"))
    decision = str(result.get("decision", ""))
    if result.get("code") != 0:
        return ("Return " + return_id + ": the decision was not recorded (code "
                + str(result.get("code")) + ").")
    words = DECISION_WORDS.get(decision, decision.lower().replace("_", " "))
    return "Return " + return_id + ": " + words + "."
