"""The page's pins are what npm installed; its interpreter files exist at those versions."""

import tomllib

from devserver.cdn_mirror import parse_cdn_path
from devserver.page_manifest import PageManifest
from devserver.settings import PROJECT_ROOT
from devserver.site import pinned_cdn_urls

from testsupport.versions import locked_version

PAGE_CONFIG = tomllib.loads((PROJECT_ROOT / "pyscript.toml").read_text())


def test_every_jsdelivr_pin_is_the_version_package_lock_json_locks():
    pins = pinned_cdn_urls(PROJECT_ROOT)
    packages = {(source, parse_cdn_path(url.split("/", 3)[3])[:2])
                for source, url in pins}

    assert {source for source, _ in packages} >= {"index.html", "pyscript.toml",
                                                  "examples/native.html"}
    for source, (package, version) in packages:
        assert version == locked_version(package), f"{source} pins {package}@{version}"


def test_the_page_loads_pyscript_pyodide_and_widget_kit_from_jsdelivr():
    urls = {url for _, url in pinned_cdn_urls(PROJECT_ROOT)}
    assert f"https://cdn.jsdelivr.net/npm/@pyscript/core@{locked_version('@pyscript/core')}/dist/core.js" in urls
    # Both interpreters share the config: its interpreter module loads either one,
    # at the versions package-lock.json pins.
    assert PAGE_CONFIG["interpreter"] == "./assets/python.mjs"
    module = PageManifest(PROJECT_ROOT).render(
        "assets/python.mjs", (PROJECT_ROOT / "assets/python.mjs").read_text())
    assert f'"https://cdn.jsdelivr.net/pyodide/v{locked_version("pyodide")}/full/"' in module
    assert ('"https://cdn.jsdelivr.net/npm/@micropython/micropython-webassembly-pyscript@'
            f'{locked_version("@micropython/micropython-webassembly-pyscript")}/"') in module
    assert PAGE_CONFIG["tiktok_widgets"]["sdk_url"] == (
        "https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@"
        f"{locked_version('@tiktokshop/widget-kit')}/dist/es/index.js")


def test_pyodide_packages_are_the_versions_pyodides_lock_names():
    import json

    lock = json.loads((PROJECT_ROOT / "node_modules/pyodide/pyodide-lock.json").read_text())
    for line in (PROJECT_ROOT / "pyodide-packages.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split()[0].split("==")
            assert lock["packages"][name]["version"] == version


def test_the_preloaded_pyscript_and_interpreter_files_exist_at_the_pinned_versions():
    from devserver.cdn_mirror import CdnMirror

    manifest = PageManifest(PROJECT_ROOT)
    mirror = CdnMirror(PROJECT_ROOT / "node_modules", PROJECT_ROOT / ".cache/pyodide-packages")
    core_dist = f"npm/@pyscript/core@{locked_version('@pyscript/core')}/dist/"
    files = manifest.interpreter_files()
    paths = [core_dist + chunk for chunk in manifest.core_chunks] + [
        path for interpreter in ("pyodide", "micropython")
        for kind in ("modules", "data") for path in files[interpreter][kind]]

    assert [chunk.split("-")[0] for chunk in manifest.core_chunks] == ["core", "toml", "error"]
    for path in paths:
        mirror.local_path(path)  # raises MirrorMiss naming the problem
        package, version, _ = parse_cdn_path(path)
        assert version == locked_version(package), path
