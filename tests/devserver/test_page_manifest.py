"""The page manifest: the lists every page gets, from the packages on disk and the lock."""

import re
import shutil
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


def test_a_config_ships_every_module_but_the_entry_point_with_the_plugins_off(site):
    files, plugins = shipped(site)

    assert files == {"./src/tiktokshop_widgets/__init__.py": "./tiktokshop_widgets/",
                     "./src/tiktokshop_widgets/kit.py": "./tiktokshop_widgets/",
                     "./src/returns_app/__init__.py": "./returns_app/"}
    assert plugins == list(PLUGINS)


def test_a_new_module_is_shipped_and_preloaded_with_no_other_change(site):
    (site / "src/tiktokshop_widgets/orders.py").write_text("")
    manifest = PageManifest(site, PROJECT_ROOT / "node_modules")

    files, _ = shipped(site)
    page = manifest.render("index.html", PAGE)

    assert files["./src/tiktokshop_widgets/orders.py"] == "./tiktokshop_widgets/"
    preloaded = re.findall(r'<link rel="preload" as="fetch" crossorigin="anonymous" href="([^"]+)">', page)
    assert preloaded == ["./src/tiktokshop_widgets/__init__.py", "./src/tiktokshop_widgets/kit.py",
                         "./src/tiktokshop_widgets/orders.py", "./src/returns_app/__init__.py",
                         "./src/returns_app/main.py"]
    # The marker's indentation is kept; no marker is left.
    assert '    <link rel="preload"' in page and "page-manifest" not in page


def test_a_config_in_another_folder_names_the_modules_relative_to_itself(site):
    files, _ = shipped(site, "bench/pages/lifecycle.toml")
    assert "../../src/tiktokshop_widgets/kit.py" in files


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
    assert set(config["files"]) == {
        f"./src/{package}/{path.name}" for package in ("tiktokshop_widgets", "returns_app")
        for path in (PROJECT_ROOT / "src" / package).glob("*.py") if path.name != "main.py"}
    assert "const INTERPRETER_FILES = {" in script and "page-manifest" not in script
    assert "page-manifest" not in page
    assert 'href="./src/returns_app/main.py"' in page
