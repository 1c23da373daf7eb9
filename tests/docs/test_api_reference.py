"""The API reference (mkdocs.yml, docs/) builds with --strict, as ./dev docs builds it,
and documents every public name of both packages, from their docstrings."""

import dataclasses
import inspect
import re
import subprocess
import sys

import pytest

import tiktokshop_backend
import tiktokshop_widgets
from devserver.settings import PROJECT_ROOT
from tiktokshop_widgets import ReturnsSummary
from tiktokshop_widgets.config import KNOWN_KEYS

PAGES = {tiktokshop_widgets: "widgets/index.html", tiktokshop_backend: "backend/index.html"}
DECISIONS = ["APPROVE_REFUND", "APPROVE_RETURN", "APPROVE_RECEIVED_PACKAGE", "APPROVE_REPLACEMENT",
             "REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE", "REJECT_REPLACEMENT"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs") / "site"
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def page(site, package) -> str:
    return (site / PAGES[package]).read_text()


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def section(html: str, heading_id: str) -> str:
    """The text of one section of a page, up to the next heading of its level."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<h2", start)
    return text_of(html[start:end if end != -1 else None])


@pytest.mark.parametrize("package", PAGES, ids=lambda p: p.__name__)
def test_every_public_name_has_its_entry(site, package):
    html = page(site, package)
    missing = [name for name in package.__all__
               if f'id="{package.__name__}.{name}"' not in html]
    assert missing == []


@pytest.mark.parametrize("package", PAGES, ids=lambda p: p.__name__)
def test_every_public_class_and_function_has_a_docstring(package):
    undocumented = []
    for name in package.__all__:
        value = getattr(package, name)
        if inspect.isclass(value):
            doc = value.__dict__.get("__doc__") or ""
            if dataclasses.is_dataclass(value) and doc.startswith(value.__name__ + "("):
                doc = ""  # the signature dataclasses write when there is no docstring
        elif inspect.isfunction(value):
            doc = value.__doc__ or ""
        else:
            continue  # a constant: its entry shows its value
        if not doc.strip():
            undocumented.append(name)
    assert undocumented == []


def test_the_library_page_has_the_settings_the_decisions_and_the_summarys_units(site):
    html = page(site, tiktokshop_widgets)
    configuration = section(html, "configuration")
    assert [key for key in KNOWN_KEYS if key not in configuration] == []
    decisions = section(html, "decisions")
    assert [d for d in DECISIONS if d not in decisions] == []
    summary = section(html, "returns-summary")
    fields = inspect.signature(ReturnsSummary).parameters
    assert [field for field in fields if field not in summary] == []
    assert "unix seconds" in summary


def test_the_backend_page_has_every_setting_and_create_apps_arguments(site):
    html = page(site, tiktokshop_backend)
    settings = section(html, "settings")
    assert [v for v in tiktokshop_backend.ENVIRONMENT_NAMES if v not in settings] == []
    fields = [f.name for f in dataclasses.fields(tiktokshop_backend.BackendSettings)]
    assert [f for f in fields if f not in settings] == []
    create_app = text_of(html[html.index('id="tiktokshop_backend.create_app"'):])
    arguments = inspect.signature(tiktokshop_backend.create_app).parameters
    assert [a for a in arguments if a not in create_app[:3000]] == []
