"""The demo page's own [tiktok_widgets] section passes the library's checks."""

import tomllib
from pathlib import Path

from tiktokshop_widgets import WidgetConfig

PAGE_CONFIG = Path(__file__).resolve().parents[2] / "pyscript.toml"


def test_the_demo_pages_config_is_valid():
    page_config = tomllib.loads(PAGE_CONFIG.read_text())
    config = WidgetConfig.from_dict(page_config["tiktok_widgets"])
    assert config.source == "sandbox"
    assert config.remotes()[0]["entry"].endswith("/manifest.json")
