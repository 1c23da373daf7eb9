"""The sandbox: TikTok Shop's side, and only TikTok's, as one mountable Starlette app.

    from tiktokshop_sandbox import Clock, SandboxSettings, create_app

    clock = Clock()
    sandbox = create_app(SandboxSettings(data_dir=Path(".data"), controls=True,
                                         redirect_url="http://127.0.0.1:8000/auth/tiktok/callback"),
                         clock=clock)
    app = Starlette(routes=[Mount("/sandbox", app=sandbox)])
    # the backend's settings: open_api_base = origin + "/sandbox" + OPEN_API_MOUNT,
    # auth_base = origin + "/sandbox" + AUTH_MOUNT, authorize_url = origin + "/sandbox" +
    # AUTHORIZE_PATH, and the widget-token call's path WIDGET_TOKEN_PATH

It stands in for TikTok in every test and in the dev server: the widget
platform that the unmodified widget-kit SDK loads (resource lookup, manifest,
remote entry, the ManageReturns widget and its API), TikTok's authorize page
and auth host, the signed Open API (shops, Return API, the widget-token call,
the Event API) and webhook delivery (``events``, ``webhooks``: a task of the
app's lifespan, which a host that mounts it must run), all on one SQLite
file, on an injectable clock, with a control API for tests (``controls``).
``python -m tiktokshop_sandbox`` runs it alone (``cli``). It imports nothing of the project but
``tiktokshop_protocol``. Widget tokens are minted here only. Error codes:
``errors``.
"""

from .app import create_app
from .auth import AUTH_MOUNT, AUTHORIZE_PATH
from .clock import Clock
from .controls import CONTROL_PATH
from .errors import PlatformError
from .model import Seller, Shop
from .open_api import OPEN_API_MOUNT, WIDGET_TOKEN_PATH
from .seed import DEMO_SELLER, SHOPS
from .settings import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, SANDBOX_SERVICE_ID, SandboxSettings
from .store import ReturnsStore
from .widget_tokens import SecretUnfit, TokenSigner, load_or_create_secret

__all__ = [
    "AUTHORIZE_PATH",
    "AUTH_MOUNT",
    "CONTROL_PATH",
    "Clock",
    "DEMO_SELLER",
    "OPEN_API_MOUNT",
    "PlatformError",
    "ReturnsStore",
    "SANDBOX_APP_KEY",
    "SANDBOX_APP_SECRET",
    "SANDBOX_SERVICE_ID",
    "SHOPS",
    "SandboxSettings",
    "SecretUnfit",
    "Seller",
    "Shop",
    "TokenSigner",
    "WIDGET_TOKEN_PATH",
    "create_app",
    "load_or_create_secret",
]
