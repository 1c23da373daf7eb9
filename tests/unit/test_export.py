"""The static export: the app's files, pointed at a backend, with a policy to match."""

import re
import tomllib

import pytest

from devserver.export import content_security_policy, export
from devserver.settings import PROJECT_ROOT

BACKEND = "https://backend.example"
TOKEN_URL = BACKEND + "/api/v1/widget/access_token"


def policy_of(html: str) -> str:
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy}")


def test_the_page_in_the_repo_ships_the_default_policy():
    assert policy_of((PROJECT_ROOT / "index.html").read_text()) == content_security_policy()


def test_the_policy_allows_no_inline_script_and_only_known_origins():
    policy = content_security_policy()
    assert "'unsafe-inline'" not in directive(policy, "script-src")
    assert directive(policy, "default-src") == ["'self'"]
    assert directive(policy, "object-src") == ["'none'"]
    assert set(directive(policy, "connect-src")) == {
        "'self'", "https://cdn.jsdelivr.net", "https://api-widget-sg.tiktokshop.com"}


def test_export_writes_only_the_app_pointed_at_the_backend(tmp_path):
    out = tmp_path / "site"
    export(out, TOKEN_URL, widgets_from=BACKEND)

    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "pyscript.toml", "assets/shell.js", "assets/app.css",
            "src/tiktokshop_widgets/kit.py", "src/returns_app/main.py"} <= files
    assert not any(f.startswith(("examples/", "bench/", "src/devserver/", "tests/")) for f in files)
    widgets = tomllib.loads((out / "pyscript.toml").read_text())["tiktok_widgets"]
    assert widgets["token_url"] == TOKEN_URL
    assert widgets["source"] == "sandbox"
    assert widgets["entries"]["@tiktokshop-widget/reverse:ManageReturns"] == (
        BACKEND + "/sandbox/widgets/reverse/1.0.0/manifest.json")
    policy = policy_of((out / "index.html").read_text())
    assert BACKEND in directive(policy, "connect-src")
    assert BACKEND in directive(policy, "script-src")  # the sandbox's widget scripts
    # The sandbox's widget files are preloaded from the backend.
    page = (out / "index.html").read_text()
    assert 'href="https://backend.example/sandbox/widgets/reverse/1.0.0/manifest.json" data-sandbox' in page
    # The page itself is otherwise unchanged: jsDelivr URLs and all.
    original = (PROJECT_ROOT / "index.html").read_text()
    assert (page.replace(policy, content_security_policy())
            .replace('href="https://backend.example/sandbox/', 'href="/sandbox/')) == original


def test_export_for_tiktok_lets_widget_kit_look_widgets_up(tmp_path):
    export(tmp_path / "site", TOKEN_URL, extra_origins=["https://widgets.tiktokcdn.example"])

    widgets = tomllib.loads((tmp_path / "site/pyscript.toml").read_text())["tiktok_widgets"]
    assert widgets["source"] == "tiktok"
    policy = policy_of((tmp_path / "site/index.html").read_text())
    assert "https://widgets.tiktokcdn.example" in directive(policy, "script-src")
    assert BACKEND not in directive(policy, "script-src")  # the backend only answers tokens
    assert "/sandbox/" not in (tmp_path / "site/index.html").read_text()  # no sandbox hints


def test_a_bad_url_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="not an http"):
        export(tmp_path / "site", TOKEN_URL, widgets_from="backend.example")
