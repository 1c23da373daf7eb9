"""Embed TikTok Shop seller widgets in a PyScript app (Pyodide or MicroPython).

    from pyscript import config
    from tiktokshop_widgets import MANAGE_RETURNS, WidgetConfig, WidgetKit

    kit = WidgetKit(WidgetConfig.from_dict(config["tiktok_widgets"]))
    kit.preload(MANAGE_RETURNS)
    view = await kit.mount(MANAGE_RETURNS, "#returns", props={"on_result": print})
    await view.unmount()

With a backend that knows the seller's shops (``backend_url`` in the config)::

    seller = await SellerAccount(Backend(settings.backend_url)).load()
    kit = WidgetKit(settings.for_shop(seller.current_shop.id, seller.current_shop.region))

Modules: ``config`` (the settings and their checks), ``backend`` (the ISV
backend's endpoints), ``seller`` (the seller's shops), ``summary`` (the
return requests that wait for the seller), ``live`` (the backend's events as they happen), ``token`` (widget
tokens from the backend), ``kit`` (widget-kit's one core per page), ``view``
(one mounted widget's lifecycle), ``page`` and ``browser`` (the JavaScript
side), ``errors``, ``background`` (tasks held until they finish).
"""

from .backend import Backend
from .config import MANAGE_RETURNS, WIDGET_KIT_URL, WidgetConfig
from .errors import (
    BackendError,
    ConfigError,
    ContainerNotFound,
    NotInitialized,
    SdkConfigError,
    SdkError,
    SdkUnavailable,
    SellerNotConnected,
    TokenError,
    UnknownWidget,
    WidgetEntryFailed,
    WidgetError,
    WidgetFailed,
    WidgetLookupFailed,
    WidgetServiceError,
)
from .kit import WidgetKit
from .live import LiveEvents
from .seller import Seller, SellerAccount, Shop
from .summary import ReturnsSummary, returns_summary
from .token import BackendToken
from .view import FAILED, LOADING, MOUNTED, UNMOUNTED, WidgetView

__all__ = [
    "MANAGE_RETURNS", "WIDGET_KIT_URL", "FAILED", "LOADING", "MOUNTED", "UNMOUNTED",
    "Backend", "BackendToken", "LiveEvents", "ReturnsSummary", "Seller", "SellerAccount", "Shop",
    "WidgetConfig", "WidgetKit", "WidgetView", "returns_summary",
    "BackendError", "ConfigError", "ContainerNotFound", "NotInitialized",
    "SdkConfigError", "SdkError", "SdkUnavailable", "SellerNotConnected", "TokenError",
    "UnknownWidget", "WidgetEntryFailed", "WidgetError", "WidgetFailed", "WidgetLookupFailed",
    "WidgetServiceError",
]
__version__ = "0.1.0"
