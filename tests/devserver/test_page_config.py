"""The page's pins and file lists stay in step with what npm and the package hold."""

import re
import tomllib

from devserver.cdn_mirror import parse_cdn_path
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
    # Both interpreters share the config: PyScript core picks each one's URL (the
    # end-to-end tests check those are the versions package-lock.json pins).
    assert "interpreter" not in PAGE_CONFIG
    assert PAGE_CONFIG["tiktok_widgets"]["sdk_url"] == (
        "https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@"
        f"{locked_version('@tiktokshop/widget-kit')}/dist/es/index.js")


def test_pyscript_toml_ships_every_module_of_both_packages():
    templates = {k: v for k, v in PAGE_CONFIG["files"].items() if re.fullmatch(r"\{\w+\}", k)}
    shipped = set()
    for source, target in PAGE_CONFIG["files"].items():
        if source in templates:
            continue
        for name, value in templates.items():
            source = source.replace(name, value)
        assert target.endswith("/")
        shipped.add((source.lstrip("./"), target.strip("./") + "/" + source.rsplit("/", 1)[-1]))

    expected = set()
    for package in ("tiktokshop_widgets", "returns_app"):
        for path in (PROJECT_ROOT / "src" / package).glob("*.py"):
            if path.name != "main.py":  # the page's <script src>, not an import
                expected.add((f"src/{package}/{path.name}", f"{package}/{path.name}"))
    assert shipped == expected


def test_pyodide_packages_are_the_versions_pyodides_lock_names():
    import json

    lock = json.loads((PROJECT_ROOT / "node_modules/pyodide/pyodide-lock.json").read_text())
    for line in (PROJECT_ROOT / "pyodide-packages.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split()[0].split("==")
            assert lock["packages"][name]["version"] == version


def test_the_preloaded_pyscript_and_interpreter_files_exist_at_the_pinned_versions():
    from devserver.cdn_mirror import CdnMirror

    script = (PROJECT_ROOT / "assets/interpreter.js").read_text()
    mirror = CdnMirror(PROJECT_ROOT / "node_modules", PROJECT_ROOT / ".cache/pyodide-packages")
    core_dist = f"npm/@pyscript/core@{locked_version('@pyscript/core')}/dist/"
    chunks = re.findall(r'"([\w-]+\.js)"', script)
    paths = re.findall(r'"((?:pyodide/v|npm/@micropython/)[^"]+)"', script)

    assert len(chunks) >= 2 and len(paths) >= 5
    for path in [core_dist + chunk for chunk in chunks] + paths:
        mirror.local_path(path)  # raises MirrorMiss naming the problem
        package, version, _ = parse_cdn_path(path)
        assert version == locked_version(package), path


def test_the_page_preloads_exactly_the_python_it_runs():
    html = (PROJECT_ROOT / "index.html").read_text()
    preloaded = set(re.findall(r'rel="preload" as="fetch" crossorigin="anonymous" href="\./(src/[^"]+\.py)"', html))
    shipped = {source.replace("{LIB}", "./src/tiktokshop_widgets/").replace("{APP}", "./src/returns_app/")
               .lstrip("./") for source in PAGE_CONFIG["files"] if not re.fullmatch(r"\{\w+\}", source)}
    assert preloaded == shipped | {"src/returns_app/main.py"}


def test_the_unused_interpreter_gets_the_pages_plugin_list():
    script = (PROJECT_ROOT / "assets/interpreter.js").read_text()
    no_plugins = re.search(r"const NO_PLUGINS = `plugins = (\[.*\])`;", script).group(1)
    assert tomllib.loads(f"plugins = {no_plugins}")["plugins"] == PAGE_CONFIG["plugins"]
