import pytest

from tiktokshop_widgets import kit


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def fresh_page_core():
    """Each test is a new page: widget-kit has not been initialised yet."""
    kit._page_core.clear()
    yield
    kit._page_core.clear()
