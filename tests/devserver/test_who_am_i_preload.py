"""The page asks who the seller is while its interpreter loads: a preload the page
declares, at the backend its config (or the export) names, which the app's own
request for it then uses."""

import re
import shutil

from devserver.export import export
from devserver.page_manifest import PageManifest
from devserver.settings import PROJECT_ROOT
from tiktokshop_widgets.backend import SELLER_PATH

PAGE = "<head>\n  <!-- page-manifest: who-am-i pyscript.toml -->\n</head>"
PRELOAD = re.compile(r'<link rel="preload" as="fetch" crossorigin="use-credentials" href="([^"]*)">')


def test_the_demo_page_preloads_who_am_i_from_its_backend_before_its_scripts(client):
    page = client.get("/").text

    assert PRELOAD.findall(page) == [SELLER_PATH]  # backend_url = "/"
    assert page.index(SELLER_PATH) < page.index('<script type="module"')


def test_a_page_whose_config_names_its_shop_preloads_nothing(tmp_path):
    config = (PROJECT_ROOT / "pyscript.toml").read_text().replace(
        "[tiktok_widgets]\n", '[tiktok_widgets]\nshop_id = "7495610000000000001"\n')
    (tmp_path / "pyscript.toml").write_text(config)
    shutil.copy(PROJECT_ROOT / "package-lock.json", tmp_path / "package-lock.json")

    assert PRELOAD.findall(PageManifest(tmp_path).render("index.html", PAGE)) == []


def test_the_export_preloads_who_am_i_from_the_backend_it_points_the_page_at(tmp_path):
    export(tmp_path / "site", "https://backend.example/isv/")

    page = (tmp_path / "site" / "index.html").read_text()
    assert PRELOAD.findall(page) == ["https://backend.example/isv" + SELLER_PATH]
