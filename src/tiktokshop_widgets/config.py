"""Widget configuration: one section of ``pyscript.toml``, checked at start.

    from pyscript import config
    settings = WidgetConfig.from_dict(config["tiktok_widgets"])
    settings = settings.for_shop("7495610000000000001", "US")   # when the backend names it
    settings.sdk_config()   # {"shopId": ..., "oecRegion": ..., "appKey": ..., "isvInfo": {...}}
    settings.remotes()      # [{"name": MANAGE_RETURNS, "entry": ".../manifest.json"}]

The section, with every key the package reads::

    [tiktok_widgets]
    backend_url = "https://backend.example"  # your backend (tiktokshop_backend); the page
                                        # asks it for the seller's shops (seller.py)
    app_key = "6sandboxapp01"           # your app's key on TikTok Shop
    isv_name = "YOUR_ISV_NAME"          # your ISV name (isvInfo.name)
    widgets = ["@tiktokshop-widget/reverse:ManageReturns"]
    source = "tiktok"                   # or "sandbox": widgets come from `entries`
    # partner_type = "1"  locale = "en-US"  resource_region = "ttp"  sdk_url = "..."
    # token_timeout = 10                # seconds to wait for the backend
    # A single-shop app may name its shop instead (then backend_url is optional):
    # shop_id = "7495610000000000001"   region = "US"
    # token_url = "https://backend.example/api/v1/widget/access_token"  # default: backend_url's

    [tiktok_widgets.entries]            # only read when source = "sandbox"
    "@tiktokshop-widget/reverse:ManageReturns" = "/sandbox/widgets/reverse/1.0.0/manifest.json"
"""

from .backend import TOKEN_PATH, Backend
from .errors import ConfigError

MANAGE_RETURNS = "@tiktokshop-widget/reverse:ManageReturns"
"""The Return & Refund widget's name, for ``mount``, ``preload`` and ``widgets``."""
WIDGET_KIT_URL = "https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js"
"""widget-kit 1.0.4 on jsDelivr: the default ``sdk_url``."""
SOURCES = ("tiktok", "sandbox")
RESOURCE_REGIONS = ("va", "ttp")
WIDGET_PREFIX = "@tiktokshop-widget/"
KNOWN_KEYS = (
    "backend_url", "shop_id", "region", "app_key", "isv_name", "token_url", "widgets", "source",
    "entries", "partner_type", "locale", "resource_region", "sdk_url", "token_timeout",
)


class WidgetConfig:
    """The ``[tiktok_widgets]`` settings, checked: a ``ConfigError`` lists every problem.

    Keys (as arguments or in the TOML section): ``backend_url``, ``app_key``,
    ``isv_name``, ``widgets``, ``source`` ("tiktok", or "sandbox" with ``entries``:
    {widget name: manifest URL}), ``shop_id`` and ``region`` (a single-shop app),
    ``token_url`` (default: ``backend_url`` + ``/api/v1/widget/access_token``),
    ``partner_type`` ("1"), ``locale``, ``resource_region`` ("va" or "ttp"),
    ``sdk_url`` (default ``WIDGET_KIT_URL``), ``token_timeout`` (seconds, default 10).
    """

    def __init__(self, shop_id=None, region=None, app_key=None, isv_name=None, token_url=None,
                 widgets=(MANAGE_RETURNS,), source="tiktok", entries=None, partner_type="1",
                 locale=None, resource_region=None, sdk_url=WIDGET_KIT_URL, token_timeout=10,
                 backend_url=None):
        self.backend_url = backend_url
        self.shop_id = shop_id
        self.region = region
        self.app_key = app_key
        self.isv_name = isv_name
        if token_url is None and isinstance(backend_url, str):
            token_url = Backend(backend_url).url(TOKEN_PATH)
        self.token_url = token_url
        self.widgets = widgets
        self.source = source
        self.entries = {} if entries is None else entries
        self.partner_type = partner_type
        self.locale = locale
        self.resource_region = resource_region
        self.sdk_url = sdk_url
        self.token_timeout = token_timeout
        problems = _problems(self)
        if problems:
            raise ConfigError(problems)
        self.widgets = list(widgets)

    @classmethod
    def from_dict(cls, section, where="[tiktok_widgets] section of pyscript.toml"):
        """Build from a config section, reporting every problem at once."""
        if not isinstance(section, dict):
            raise ConfigError(["it is missing or not a table"], where)
        problems = []
        # Sorted: MicroPython's dicts keep no order, and the message is the same on both.
        unknown = sorted(repr(key) for key in section if key not in KNOWN_KEYS)
        if unknown:
            problems.append("unknown key" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown)
                            + " (known: " + ", ".join(KNOWN_KEYS) + ")")
        for key in ("app_key", "isv_name"):
            if key not in section:
                problems.append(key + " is missing")
        if "backend_url" not in section:
            for key in ("shop_id", "region", "token_url"):
                if key not in section:
                    problems.append(key + " is missing (or name the backend with backend_url)")
        if problems:
            raise ConfigError(problems, where)
        arguments = {}
        for key in KNOWN_KEYS:
            if key in section:
                arguments[key] = section[key]
        try:
            return cls(**arguments)
        except ConfigError as error:
            raise ConfigError(error.problems, where)

    @property
    def shop_chosen(self):
        """Whether the shop is known: named here, or given by ``for_shop``."""
        return self.shop_id is not None

    def for_shop(self, shop_id, region):
        """This configuration for the shop ``shop_id`` in ``region`` (checked)."""
        values = {}
        for key in KNOWN_KEYS:
            values[key] = getattr(self, key)
        values["shop_id"], values["region"] = shop_id, region
        return WidgetConfig(**values)

    def sdk_config(self):
        """The ``config`` option of widget-kit's ``init`` and ``update``."""
        if not self.shop_chosen:
            raise ConfigError(["no shop is chosen yet: ask the backend for the seller's shops "
                               "(SellerAccount) and use for_shop"])
        config = {
            "shopId": self.shop_id,
            "oecRegion": self.region,
            "appKey": self.app_key,
            "isvInfo": {"name": self.isv_name},
        }
        if self.locale:
            config["locale"] = self.locale
        return config

    def remotes(self):
        """widget-kit's ``remotes``: with an ``entry`` from the sandbox, none from TikTok."""
        remotes = []
        for name in self.widgets:
            remote = {"name": name}
            if self.source == "sandbox":
                remote["entry"] = self.entries[name]
            remotes.append(remote)
        return remotes

    def __repr__(self):
        return "WidgetConfig(shop_id=%r, region=%r, source=%r, widgets=%r)" % (
            self.shop_id, self.region, self.source, self.widgets)


def _problems(config):
    problems = []

    def text(name, value):
        if not isinstance(value, str) or not value.strip():
            problems.append(name + " must be a non-empty string (got " + repr(value) + ")")
            return False
        return True

    runtime_shop = config.shop_id is None and config.region is None and (
        config.backend_url is not None)
    if not runtime_shop:
        if text("shop_id", config.shop_id) and not config.shop_id.isdigit():
            problems.append("shop_id must be the numeric shop id, like \"7495610000000000001\" "
                            "(got " + repr(config.shop_id) + ")")
        if text("region", config.region) and not (
            len(config.region) == 2 and config.region.isalpha() and config.region.isupper()
        ):
            problems.append("region must be a two-letter country code like \"US\" (got "
                            + repr(config.region) + ")")
    if config.backend_url is not None:
        text("backend_url", config.backend_url)
    text("app_key", config.app_key)
    text("isv_name", config.isv_name)
    text("token_url", config.token_url)
    text("sdk_url", config.sdk_url)
    timeout = config.token_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        problems.append("token_timeout must be a number of seconds, more than 0 and at most 120 "
                        "(got " + repr(timeout) + ")")
    if config.partner_type != "1":
        problems.append("partner_type must be \"1\" (got " + repr(config.partner_type) + ")")
    if config.locale is not None:
        text("locale", config.locale)
    if config.source not in SOURCES:
        problems.append("source must be \"tiktok\" or \"sandbox\" (got " + repr(config.source) + ")")
    if config.resource_region is not None and config.resource_region not in RESOURCE_REGIONS:
        problems.append("resource_region must be \"va\" or \"ttp\" (got "
                        + repr(config.resource_region) + ")")
    if not isinstance(config.entries, dict):
        problems.append("entries must be a table of widget name = manifest URL (got "
                        + repr(config.entries) + ")")
    if not isinstance(config.widgets, (list, tuple)):
        problems.append("widgets must be a list of widget names, like [\"" + MANAGE_RETURNS
                        + "\"] (got " + repr(config.widgets) + ")")
    elif not config.widgets:
        problems.append("widgets must name at least one widget, like \"" + MANAGE_RETURNS + "\"")
    else:
        for name in config.widgets:
            if not is_widget_name(name):
                problems.append("widget name " + repr(name) + " must look like \""
                                + MANAGE_RETURNS + "\"")
            elif config.source == "sandbox" and isinstance(config.entries, dict):
                entry = config.entries.get(name)
                if not isinstance(entry, str) or not entry:
                    problems.append("source is \"sandbox\" but entries has no manifest URL for "
                                    + name)
    return problems


def is_widget_name(name):
    """``@tiktokshop-widget/<scope>:<Expose>``, as widget-kit splits it."""
    if not isinstance(name, str) or not name.startswith(WIDGET_PREFIX):
        return False
    scope, colon, expose = name[len(WIDGET_PREFIX):].partition(":")
    return bool(scope) and bool(colon) and bool(expose) and "/" not in scope and ":" not in expose
