"""The sandbox that stands in for TikTok Shop's widget platform.

    store = ReturnsStore(settings.db_path)
    store.seed_if_empty()
    app = Starlette(routes=[*sandbox_routes(store, signer, settings), ...])

It serves what the real, unmodified widget-kit SDK needs to load and drive the
``@tiktokshop-widget/reverse:ManageReturns`` widget (``platform``: resource-URL
search, manifest, remote entry, the widget script) and the API that widget
calls (``api``: search returns, reject reasons, approve, reject), backed by a
SQLite store of seeded shops and returns (``store``, ``seed``).
"""

from starlette.routing import BaseRoute

from ..settings import Settings
from ..tokens import TokenSigner
from . import api, platform
from .model import Shop
from .store import ReturnsStore

__all__ = ["ReturnsStore", "Shop", "sandbox_routes"]


def sandbox_routes(store: ReturnsStore, signer: TokenSigner, settings: Settings) -> list[BaseRoute]:
    return [*platform.routes(), *api.routes(store, signer, settings)]
