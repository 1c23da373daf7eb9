"""The page manifest: the lists every page gets, from the packages on disk and the lock."""

import io
import os
import re
import shutil
import tarfile
import tomllib

import pytest

from devserver.page_manifest import PLUGINS, ManifestError, PageManifest, content_security_policy
from devserver.settings import PROJECT_ROOT

CONFIG = """plugins = []
# page-manifest: plugins
[files]
# page-manifest: files tiktokshop_widgets returns_app
"""
PAGE = """<head>
  <!-- page-manifest: csp -->
  <template id="preload-app">
    <!-- page-manifest: preload tiktokshop_widgets returns_app -->
  </template>
</head>"""


@pytest.fixture
def site(tmp_path):
    """A site with two small packages, the project's lock and node_modules."""
    for package, modules in (("tiktokshop_widgets", ("__init__.py", "kit.py")),
                             ("returns_app", ("__init__.py", "main.py"))):
        (tmp_path / "src" / package).mkdir(parents=True)
        for module in modules:
            (tmp_path / "src" / package / module).write_text("")
    shutil.copy(PROJECT_ROOT / "package-lock.json", tmp_path / "package-lock.json")
    return tmp_path


def shipped(site, relative="pyscript.toml"):
    config = tomllib.loads(PageManifest(site, PROJECT_ROOT / "node_modules").render(
        relative, CONFIG.replace("plugins = []\n", "")))
    return config["files"], config["plugins"]


def archived(manifest, packages):
    """{name: text} of the archive of ``packages``."""
    with tarfile.open(fileobj=io.BytesIO(manifest.archive(packages)), mode="r:gz") as archive:
        return {entry.name: archive.extractfile(entry).read().decode() for entry in archive}


def test_a_config_ships_every_module_but_the_entry_point_in_one_archive_with_the_plugins_off(site):
    (site / "src/tiktokshop_widgets/kit.py").write_text("KIT = 1\n")
    manifest = PageManifest(site, PROJECT_ROOT / "node_modules")

    files, plugins = shipped(site)

    assert files == {"./src/tiktokshop_widgets+returns_app.tar.gz": "./*"}
    assert archived(manifest, ["tiktokshop_widgets", "returns_app"]) == {
        "tiktokshop_widgets/__init__.py": "", "tiktokshop_widgets/kit.py": "KIT = 1\n",
        "returns_app/__init__.py": ""}
    assert manifest.archives(CONFIG) == {
        "src/tiktokshop_widgets+returns_app.tar.gz": ["tiktokshop_widgets", "returns_app"]}
    assert plugins == list(PLUGINS)


def test_the_archive_is_the_same_bytes_for_the_same_modules(site):
    manifest = PageManifest(site, PROJECT_ROOT / "node_modules")
    first = manifest.archive(["tiktokshop_widgets"])
    os.utime(site / "src/tiktokshop_widgets/kit.py", (0, 0))  # touched, not changed

    assert manifest.archive(["tiktokshop_widgets"]) == first
    (site / "src/tiktokshop_widgets/kit.py").write_text("KIT = 2\n")
    assert manifest.archive(["tiktokshop_widgets"]) != first


def test_a_new_module_is_shipped_and_preloaded_with_no_other_change(site):
    (site / "src/tiktokshop_widgets/orders.py").write_text("")
    manifest = PageManifest(site, PROJECT_ROOT / "node_modules")

    page = manifest.render("index.html", PAGE)

    assert "tiktokshop_widgets/orders.py" in archived(manifest, ["tiktokshop_widgets", "returns_app"])
    preloaded = re.findall(r'<link rel="preload" as="fetch" crossorigin="anonymous" href="([^"]+)">', page)
    assert preloaded == ["./src/tiktokshop_widgets+returns_app.tar.gz", "./src/returns_app/main.py"]
    # The marker's indentation is kept; no marker is left.
    assert '    <link rel="preload"' in page and "page-manifest" not in page


def test_a_config_in_another_folder_names_the_archive_relative_to_itself(site):
    files, _ = shipped(site, "bench/pages/lifecycle.toml")
    assert files == {"../../src/tiktokshop_widgets+returns_app.tar.gz": "./*"}


def test_the_page_gets_the_policy_it_is_given(site):
    manifest = PageManifest(site, PROJECT_ROOT / "node_modules")
    policy = content_security_policy(["https://widgets.example"])

    default = manifest.render("index.html", PAGE)
    given = manifest.render("index.html", PAGE, policy=policy)

    assert f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">' in default
    assert f'content="{policy}"' in given


def test_interpreter_files_follow_the_locked_versions(site):
    lock = (site / "package-lock.json").read_text()
    (site / "package-lock.json").write_text(lock.replace('"version": "314.0.2"', '"version": "314.0.3"'))

    files = PageManifest(site, PROJECT_ROOT / "node_modules").interpreter_files()

    assert files["pyodide"]["modules"][0] == "pyodide/v314.0.3/full/pyodide.mjs"


def test_a_package_without_modules_is_named_in_the_error(site):
    with pytest.raises(ManifestError, match="no Python modules in .*src/missing"):
        PageManifest(site).render("pyscript.toml", "# page-manifest: files missing\n")


def test_the_served_demo_config_and_script_have_their_lists(client):
    config = tomllib.loads(client.get("/pyscript.toml").text)
    script = client.get("/assets/interpreter.js").text
    page = client.get("/").text

    assert config["plugins"] == list(PLUGINS)
    assert config["files"] == {"./src/tiktokshop_widgets+returns_app.tar.gz": "./*"}
    archive = client.get("/src/tiktokshop_widgets+returns_app.tar.gz")
    assert archive.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(archive.content), mode="r:gz") as modules:
        assert set(modules.getnames()) == {
            f"{package}/{path.name}" for package in ("tiktokshop_widgets", "returns_app")
            for path in (PROJECT_ROOT / "src" / package).glob("*.py") if path.name != "main.py"}
    again = client.get("/src/tiktokshop_widgets+returns_app.tar.gz",
                       headers={"if-none-match": archive.headers["etag"]})
    assert again.status_code == 304
    # Only the site's own packages: never the backend's or the dev server's code.
    assert client.get("/src/tiktokshop_backend.tar.gz").status_code == 404
    assert client.get("/src/tiktokshop_widgets+devserver.tar.gz").status_code == 404
    assert "const INTERPRETER_FILES = {" in script and "page-manifest" not in script
    assert "page-manifest" not in page
    assert 'href="./src/returns_app/main.py"' in page
