"""The static export: the app's files, pointed at a backend, with a policy to match."""

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from devserver.export import export, main
from devserver.page_manifest import PageManifest, content_security_policy
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
    for source in config["files"]:  # each shipped module is in the export
        assert (tmp_path / "site" / source).is_file(), source
    assert "./src/tiktokshop_widgets/kit.py" in config["files"]
    assert "const INTERPRETER_FILES = {" in script and "page-manifest" not in script


def test_export_for_tiktok_lets_widget_kit_look_widgets_up(tmp_path):
    export(tmp_path / "site", BACKEND_URL, extra_origins=["https://widgets.tiktokcdn.example"])

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
