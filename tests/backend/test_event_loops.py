"""One app runs on one event loop, as under uvicorn: its in-process locks and rate limits
are that loop's. Driven from a second loop while the first runs (two TestClients, each
entered on its own), it says so at once instead of failing now and then ("bound to a
different event loop") or hanging; a second browser shares the first one's loop."""

import pytest
from starlette.testclient import TestClient

from tiktokshop_widgets.backend import SELLER_PATH

from .conftest import OWN_ORIGIN, another_browser, connect


def test_a_second_event_loop_on_one_app_is_refused_with_the_reason(backend, tiktok):
    connect(backend, tiktok)  # the app's state is now on the first client's loop
    on_a_loop_of_its_own = TestClient(backend.app, base_url=OWN_ORIGIN)
    with pytest.raises(RuntimeError, match="another event loop"):
        on_a_loop_of_its_own.get(SELLER_PATH)

    assert backend.get(SELLER_PATH).status_code == 200
    assert another_browser(backend).get(SELLER_PATH).status_code == 401  # no session: no seller
