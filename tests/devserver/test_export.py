"""The static export: the app's files (the demo's or your own), pointed at a backend,
with a policy to match, and PyScript and the interpreters from jsDelivr or the site."""

import hashlib
import json
import re
import shutil
import tarfile
import tomllib
from pathlib import Path

import pytest

from devserver import cli
from devserver.export import export, main
from devserver.page_manifest import CDN_ORIGIN, PageManifest, content_security_policy
from devserver.settings import PROJECT_ROOT

BACKEND = "https://backend.example"
BACKEND_URL = BACKEND + "/isv"


def policy_of(html: str) -> str:
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy}")


def test_the_page_served_in_development_has_the_default_policy(client):
    assert policy_of(client.get("/").text) == content_security_policy()


def test_the_policy_allows_no_inline_script_and_only_known_origins():
    policy = content_security_policy()
    assert "'unsafe-inline'" not in directive(policy, "script-src")
    assert directive(policy, "default-src") == ["'self'"]
    assert directive(policy, "object-src") == ["'none'"]
    assert set(directive(policy, "connect-src")) == {
        "'self'", "https://cdn.jsdelivr.net", "https://api-widget-sg.tiktokshop.com"}


def test_export_writes_only_the_app_pointed_at_the_backend(tmp_path):
    out = tmp_path / "site"
    export(out, BACKEND_URL, widgets_from=BACKEND)

    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "pyscript.toml", "assets/shell.js", "assets/app.css",
            "src/tiktokshop_widgets/kit.py", "src/returns_app/main.py"} <= files
    assert not any(f.startswith(("examples/", "bench/", "src/devserver/", "tests/")) for f in files)
    widgets = tomllib.loads((out / "pyscript.toml").read_text())["tiktok_widgets"]
    assert widgets["backend_url"] == BACKEND_URL and "shop_id" not in widgets
    assert widgets["source"] == "sandbox"
    assert widgets["entries"]["@tiktokshop-widget/reverse:ManageReturns"] == (
        BACKEND + "/sandbox/widgets/reverse/1.0.0/manifest.json")
    policy = policy_of((out / "index.html").read_text())
    assert BACKEND in directive(policy, "connect-src")
    assert BACKEND in directive(policy, "script-src")  # the sandbox's widget scripts
    # The sandbox's widget files are preloaded from the backend.
    page = (out / "index.html").read_text()
    assert 'href="https://backend.example/sandbox/widgets/reverse/1.0.0/manifest.json" data-sandbox' in page
    # The page is otherwise the one served in development: jsDelivr URLs and all.
    original = PageManifest(PROJECT_ROOT).render("index.html", (PROJECT_ROOT / "index.html").read_text())
    assert (page.replace(policy, content_security_policy())
            .replace('href="https://backend.example/sandbox/', 'href="/sandbox/')
            .replace(f'href="{BACKEND_URL}/api/v1/seller"', 'href="/api/v1/seller"')) == original


def test_the_exported_config_and_script_carry_the_page_manifests_lists(tmp_path):
    export(tmp_path / "site", BACKEND_URL)

    config = tomllib.loads((tmp_path / "site/pyscript.toml").read_text())
    script = (tmp_path / "site/assets/interpreter.js").read_text()
    assert config["files"] == {"./src/tiktokshop_widgets+returns_app.tar.gz": "./*"}
    with tarfile.open(tmp_path / "site/src/tiktokshop_widgets+returns_app.tar.gz") as modules:
        assert "tiktokshop_widgets/kit.py" in modules.getnames()
        assert modules.extractfile("tiktokshop_widgets/kit.py").read() == \
            (PROJECT_ROOT / "src/tiktokshop_widgets/kit.py").read_bytes()
    assert "const INTERPRETER_FILES = {" in script and "page-manifest" not in script


def test_export_for_tiktok_lets_widget_kit_look_widgets_up(tmp_path):
    export(tmp_path / "site", BACKEND_URL, extra_origins=["https://widgets.tiktokcdn.example"],
           source="tiktok")

    widgets = tomllib.loads((tmp_path / "site/pyscript.toml").read_text())["tiktok_widgets"]
    assert widgets["source"] == "tiktok"
    policy = policy_of((tmp_path / "site/index.html").read_text())
    assert "https://widgets.tiktokcdn.example" in directive(policy, "script-src")
    assert BACKEND not in directive(policy, "script-src")  # the backend only answers JSON
    assert "/sandbox/" not in (tmp_path / "site/index.html").read_text()  # no sandbox hints


def test_a_bad_url_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(SystemExit, match="not an http"):
        export(tmp_path / "site", BACKEND_URL, widgets_from="backend.example")
    assert not (tmp_path / "site").exists()


def test_a_relative_backend_url_is_the_pages_own_origin(tmp_path):
    export(tmp_path / "site", "/isv")

    widgets = tomllib.loads((tmp_path / "site/pyscript.toml").read_text())["tiktok_widgets"]
    assert widgets["backend_url"] == "/isv"
    policy = policy_of((tmp_path / "site/index.html").read_text())
    assert directive(policy, "connect-src") == directive(content_security_policy(), "connect-src")


@pytest.mark.parametrize("backend_url", [
    'https://backend.example/token?note="quoted"',
    "https://backend.example/token?path=C:\\1\\n",   # backslashes, one before a digit
    "https://backend.example/tökén",
])
def test_the_backend_url_is_written_as_a_toml_string(tmp_path, backend_url):
    export(tmp_path / "site", backend_url)

    widgets = tomllib.loads((tmp_path / "site/pyscript.toml").read_text())["tiktok_widgets"]
    assert widgets["backend_url"] == backend_url


# -- where it writes -----------------------------------------------------------------


@pytest.fixture
def nothing_may_change(monkeypatch):
    """Deleting or writing any file fails the test (instead of harming the checkout)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"export touched the disk: {args[:1]}")

    for owner, name in [(shutil, "rmtree"), (shutil, "copyfile"), (Path, "unlink"),
                        (Path, "write_text"), (Path, "mkdir")]:
        monkeypatch.setattr(owner, name, refuse)


@pytest.mark.parametrize("out, force", [
    (PROJECT_ROOT, True),
    (PROJECT_ROOT.parent, True),
    (PROJECT_ROOT / "src", True),
    (PROJECT_ROOT / "assets", True),
    (PROJECT_ROOT / "src/returns_app/site", True),
    (PROJECT_ROOT, False),
], ids=["checkout", "above-checkout", "src", "assets", "inside-sources", "checkout-unforced"])
def test_the_checkout_and_its_sources_are_never_written(nothing_may_change, out, force):
    with pytest.raises(SystemExit, match="refusing to export into"):
        export(out, BACKEND_URL, force=force)


def test_the_home_folder_is_never_written(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(shutil, "rmtree", lambda *a, **k: pytest.fail("deleted a folder"))

    for out in (home, tmp_path):
        with pytest.raises(SystemExit, match="home folder"):
            export(out, BACKEND_URL, force=True)
    assert (home / "notes").is_dir()


def test_a_folder_that_is_not_empty_needs_force(tmp_path):
    out = tmp_path / "site"
    (out / "assets").mkdir(parents=True)
    (out / "assets" / "stale.js").write_text("old")
    (out / "CNAME").write_text("shop-tools.example")

    with pytest.raises(SystemExit, match="not empty.*--force"):
        export(out, BACKEND_URL)
    assert (out / "assets" / "stale.js").exists()

    export(out, BACKEND_URL, force=True)
    assert (out / "index.html").exists()
    assert not (out / "assets" / "stale.js").exists()  # the app's folders are replaced
    assert (out / "CNAME").read_text() == "shop-tools.example"  # the rest is kept


def test_an_empty_folder_is_written_without_force(tmp_path):
    (tmp_path / "site").mkdir()
    export(tmp_path / "site", BACKEND_URL)
    assert (tmp_path / "site" / "index.html").exists()


def test_the_command_takes_force(tmp_path, capsys):
    out = tmp_path / "site"
    main([str(out), "--backend-url", BACKEND_URL])
    with pytest.raises(SystemExit, match="not empty"):
        main([str(out), "--backend-url", BACKEND_URL])
    assert main([str(out), "--backend-url", BACKEND_URL, "--force"]) == 0


# -- your own app --------------------------------------------------------------------

APP_CONFIG = """# my app's config
packages = ["./my_lib-1.0-py3-none-any.whl"]

[other]
source = "not the widgets'"

[tiktok_widgets]
backend_url = "/"                  # your backend
shop_id = "7495610000000000001"
region = "US"
app_key = "myappkey01"
isv_name = "MY_APP"
widgets = ["@tiktokshop-widget/reverse:ManageReturns"]
sdk_url = "https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js"
source = "sandbox"

[tiktok_widgets.entries]
"@tiktokshop-widget/reverse:ManageReturns" = "/sandbox/widgets/reverse/1.0.0/manifest.json"
"""
CORE = "https://cdn.jsdelivr.net/npm/@pyscript/core@{}/dist/core.js".format(
    PageManifest(PROJECT_ROOT).version("@pyscript/core"))


@pytest.fixture
def my_app(tmp_path):
    """An app folder as README's "Use it in your own app" has it, with a policy line."""
    app = tmp_path / "my-app"
    (app / "__pycache__").mkdir(parents=True)
    (app / "index.html").write_text(f"""<!doctype html><html><head>
<!-- page-manifest: csp -->
<script type="module" src="{CORE}"></script></head>
<body><script type="py" src="./main.py" config="./pyscript.toml"></script></body></html>""")
    (app / "pyscript.toml").write_text(APP_CONFIG)
    (app / "main.py").write_text("from tiktokshop_widgets import WidgetKit\n")
    (app / "my_lib-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 not text \xff")
    (app / ".env").write_text("SECRET=1")
    (app / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\x00")
    return app


def widgets_of(site):
    return tomllib.loads((site / "pyscript.toml").read_text())["tiktok_widgets"]


def text_files(site):
    return {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*")
            if p.suffix in (".html", ".toml", ".py", ".js", ".mjs", ".json", ".css")}


def test_an_app_folder_is_exported_with_its_own_settings(tmp_path, my_app):
    site = tmp_path / "site"
    export(site, app_dir=my_app)

    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    library = {f"src/tiktokshop_widgets/{p.name}"
               for p in (PROJECT_ROOT / "src/tiktokshop_widgets").glob("*.py")}
    assert files == {"index.html", "pyscript.toml", "main.py", "my_lib-1.0-py3-none-any.whl",
                     *library}  # no hidden files, no bytecode, nothing of the demo
    assert (site / "my_lib-1.0-py3-none-any.whl").read_bytes() == (
        my_app / "my_lib-1.0-py3-none-any.whl").read_bytes()
    # Nothing given: the app's config as it is, comments and all; nothing of the demo's.
    assert (site / "pyscript.toml").read_text() == APP_CONFIG
    assert "PYSCRIPT_DEMO_ISV" not in str(text_files(site))
    assert directive(policy_of((site / "index.html").read_text()), "script-src")[:2] == [
        "'self'", CDN_ORIGIN]


def test_the_flags_replace_the_apps_values_and_keep_the_rest(tmp_path, my_app):
    site = tmp_path / "site"
    export(site, BACKEND_URL, widgets_from=BACKEND, app_dir=my_app, app_key="liveappkey",
           isv_name="LIVE_ISV")

    widgets = widgets_of(site)
    assert widgets["backend_url"] == BACKEND_URL
    assert (widgets["app_key"], widgets["isv_name"], widgets["source"]) == (
        "liveappkey", "LIVE_ISV", "sandbox")
    assert widgets["entries"]["@tiktokshop-widget/reverse:ManageReturns"] == (
        BACKEND + "/sandbox/widgets/reverse/1.0.0/manifest.json")
    assert widgets["shop_id"] == "7495610000000000001"
    config = tomllib.loads((site / "pyscript.toml").read_text())
    assert config["other"] == {"source": "not the widgets'"}  # another table's key untouched
    assert "# my app's config" in (site / "pyscript.toml").read_text()
    policy = policy_of((site / "index.html").read_text())
    assert BACKEND in directive(policy, "connect-src") and BACKEND in directive(policy, "script-src")


def test_source_tiktok_from_the_flag(tmp_path, my_app):
    export(tmp_path / "site", app_dir=my_app, source="tiktok")
    assert widgets_of(tmp_path / "site")["source"] == "tiktok"


def test_a_value_the_config_lacks_is_added_to_its_table(tmp_path, my_app):
    (my_app / "pyscript.toml").write_text(APP_CONFIG.replace('backend_url = "/"                  # your backend\n', ""))
    export(tmp_path / "site", BACKEND_URL, app_dir=my_app)
    assert widgets_of(tmp_path / "site")["backend_url"] == BACKEND_URL


@pytest.mark.parametrize("kwargs, message", [
    ({"app_key": " "}, "not valid.*app_key must be a non-empty string"),
    ({"widgets_from": BACKEND, "source": "tiktok"}, "cannot go with --source tiktok"),
    ({"source": "elsewhere"}, "--source must be one of"),
    ({"self_host_runtime": True, "runtime_path": "runtime/"}, "--runtime-path"),
])
def test_settings_the_page_would_refuse_write_nothing(tmp_path, my_app, kwargs, message):
    with pytest.raises(SystemExit, match=message):
        export(tmp_path / "site", app_dir=my_app, **kwargs)
    assert not (tmp_path / "site").exists()


def test_an_app_configured_in_python_takes_no_widget_flags(tmp_path, my_app):
    (my_app / "pyscript.toml").write_text('packages = ["./my_lib-1.0-py3-none-any.whl"]\n')
    with pytest.raises(SystemExit, match=r"no TOML config of the app has a \[tiktok_widgets\]"):
        export(tmp_path / "site", BACKEND_URL, app_dir=my_app)
    export(tmp_path / "site", app_dir=my_app)  # nothing to point: copied as it is
    assert (tmp_path / "site" / "pyscript.toml").read_text() == (my_app / "pyscript.toml").read_text()


def test_the_app_folder_itself_is_never_written(my_app):
    for out in (my_app, my_app / "site", my_app.parent):
        with pytest.raises(SystemExit, match="refusing to export into"):
            export(out, app_dir=my_app, force=True)
    assert (my_app / "index.html").exists() and (my_app / ".env").exists()


def test_serve_py_exports_instead_of_serving(tmp_path, my_app, capsys):
    site = tmp_path / "site"
    assert cli.main(["--app", str(my_app), "--export", str(site), "--app-key", "fromserve"]) == 0
    assert widgets_of(site)["app_key"] == "fromserve"
    assert "Wrote the static site" in capsys.readouterr().out


# -- the runtime on the site ---------------------------------------------------------


@pytest.fixture(scope="module")
def self_hosted(tmp_path_factory):
    site = tmp_path_factory.mktemp("self-hosted") / "site"
    export(site, BACKEND_URL, widgets_from=BACKEND, self_host_runtime=True)
    return site


def test_the_self_hosted_site_names_no_cdn(self_hosted):
    texts = text_files(self_hosted)
    assert [name for name, text in texts.items() if "cdn.jsdelivr.net" in text] == []
    policy = policy_of(texts["index.html"])
    for name in ("script-src", "style-src", "connect-src"):
        assert not any("jsdelivr" in origin for origin in directive(policy, name)), name
    assert BACKEND in directive(policy, "connect-src")
    manifest = PageManifest(PROJECT_ROOT)
    core = f"/runtime/npm/@pyscript/core@{manifest.version('@pyscript/core')}/dist/core.js"
    assert f'src="{core}"' in texts["index.html"]
    assert widgets_of(self_hosted)["sdk_url"].startswith("/runtime/npm/@tiktokshop/widget-kit@")
    # PyScript's own default interpreter URLs point at the copy too.
    assert "/runtime/pyodide/v${" in "".join(
        text for name, text in texts.items() if name.startswith("runtime/npm/@pyscript/core@"))


def test_the_runtime_is_the_locked_packages_with_the_compiled_stdlib(self_hosted):
    manifest = PageManifest(PROJECT_ROOT)
    pyodide = self_hosted / f"runtime/pyodide/v{manifest.version('pyodide')}/full"
    micropython = self_hosted / ("runtime/npm/@micropython/micropython-webassembly-pyscript@"
                                 + manifest.version("@micropython/micropython-webassembly-pyscript"))
    for path in manifest.interpreter_files()["pyodide"]["modules"] + \
            manifest.interpreter_files()["micropython"]["data"]:
        assert (self_hosted / "runtime" / path).exists(), path
    assert (pyodide / "pyodide.asm.wasm").read_bytes() == (
        PROJECT_ROOT / "node_modules/pyodide/pyodide.asm.wasm").read_bytes()
    assert (pyodide / "python_stdlib.zip").read_bytes() == manifest.compiled_stdlib().read_bytes()
    assert (micropython / "micropython.wasm").is_file()
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    micropip = lock["packages"]["micropip"]
    wheel = pyodide / micropip["file_name"]
    assert micropip["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert not list(self_hosted.rglob("*.map")) and not list(self_hosted.rglob("package.json"))


def test_the_runtime_path_names_where_the_site_is_served(tmp_path, my_app):
    export(tmp_path / "site", app_dir=my_app, self_host_runtime=True, runtime_path="/shop/runtime/")
    assert '"/shop/runtime/npm/@pyscript/core@' in (tmp_path / "site/index.html").read_text()
    assert widgets_of(tmp_path / "site")["sdk_url"].startswith("/shop/runtime/npm/")


def test_a_cdn_url_the_runtime_lacks_is_refused(tmp_path, my_app):
    page = (my_app / "index.html").read_text()
    (my_app / "index.html").write_text(page.replace("</head>", '<link rel="stylesheet" '
        'href="https://cdn.jsdelivr.net/npm/@pyscript/core@0.0.1/dist/core.css"></head>'))
    with pytest.raises(SystemExit, match=r"index.html: https://cdn.jsdelivr.net/npm/@pyscript/core@0.0.1"):
        export(tmp_path / "site", app_dir=my_app, self_host_runtime=True)
    assert not (tmp_path / "site").exists()
