"""Embed TikTok Shop seller widgets in a PyScript app (Pyodide or MicroPython).

    from pyscript import config
    from tiktokshop_widgets import MANAGE_RETURNS, WidgetConfig, WidgetKit

    kit = WidgetKit(WidgetConfig.from_dict(config["tiktok_widgets"]))
    kit.preload(MANAGE_RETURNS)
    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print})
    await view.unmount()

Modules: ``config`` (the settings and their checks), ``token`` (widget tokens
from the ISV backend), ``kit`` (widget-kit's one core per page), ``view``
(one mounted widget's lifecycle), ``browser`` (the JavaScript side), ``errors``,
``background`` (tasks held until they finish).
"""

from .config import MANAGE_RETURNS, WIDGET_KIT_URL, WidgetConfig
from .errors import (
    ConfigError,
    ContainerNotFound,
    MountCancelled,
    NotInitialized,
    SdkConfigError,
    SdkError,
    SdkUnavailable,
    TokenError,
    UnknownWidget,
    WidgetEntryFailed,
    WidgetError,
    WidgetLookupFailed,
    WidgetServiceError,
)
from .kit import WidgetKit
from .token import BackendToken
from .view import FAILED, LOADING, MOUNTED, UNMOUNTED, WidgetView

__version__ = "0.1.0"
