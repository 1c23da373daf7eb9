"""The Returns & Refunds tab: the widget while the tab is shown, a message otherwise.

    tab = ReturnsTab(kit, panel, container="#returns-widget")
    await tab.show()   # loading placeholder, then the widget (or the cause + Retry)
    await tab.hide()   # unmounts the widget, even one still loading
    await tab.retry()  # after a failure

The widget's decisions come back through its ``onResult`` prop and are shown
in the panel's activity line, outside the widget.
"""

from tiktokshop_widgets import (
    MANAGE_RETURNS,
    MountCancelled,
    SdkUnavailable,
    TokenError,
    WidgetEntryFailed,
    WidgetError,
    WidgetLookupFailed,
    WidgetServiceError,
)


class ReturnsTab:
    def __init__(self, kit, panel, container, widget=MANAGE_RETURNS):
        self.kit = kit
        self.panel = panel
        self.container = container
        self.widget = widget
        self.visible = False
        self.decisions = []  # what the widget reported, newest last

    async def show(self):
        if self.visible:
            return
        self.visible = True
        await self._mount()

    async def hide(self):
        if not self.visible:
            return
        self.visible = False
        await self.kit.unmount(self.container)
        self.panel.loading("Loading Returns & Refunds…")

    async def retry(self):
        if self.visible:
            await self._mount()

    async def _mount(self):
        self.panel.loading("Loading Returns & Refunds…")
        try:
            await self.kit.mount(self.widget, self.container,
                                 props={"on_result": self.on_result})
        except MountCancelled:
            return  # hidden (or mounted again) meanwhile: that call owns the panel
        except WidgetError as error:
            if self.visible:
                self.panel.failed(*explain(error))
            return
        self.panel.mounted()

    def on_result(self, result):
        """The widget's report of one decision: ``{code, return_id, decision}``."""
        if not isinstance(result, dict):
            return
        self.decisions.append(result)
        self.panel.activity(describe_decision(result))


def explain(error):
    """(headline, detail) in plain words for a failure to show the widget."""
    if isinstance(error, TokenError):
        headline = "Could not get access to your TikTok Shop returns."
    elif isinstance(error, SdkUnavailable):
        headline = "TikTok Shop's widget library could not be downloaded."
    elif isinstance(error, WidgetLookupFailed):
        headline = "TikTok Shop could not find the Returns & Refunds widget right now."
    elif isinstance(error, (WidgetServiceError, WidgetEntryFailed)):
        headline = "The Returns & Refunds widget could not be loaded from TikTok Shop."
    else:
        headline = "The Returns & Refunds widget could not be shown."
    return headline, str(error) + " Check your connection, then retry."


def describe_decision(result):
    return_id = str(result.get("return_id", "?"))
    decision = str(result.get("decision", ""))
    if result.get("code") != 0:
        return ("Return " + return_id + ": the decision was not recorded (code "
                + str(result.get("code")) + ").")
    verb = "Accepted" if decision.startswith("APPROVE") else (
        "Rejected" if decision.startswith("REJECT") else "Updated")
    return verb + " return " + return_id + " (" + decision + ")."
