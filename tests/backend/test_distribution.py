"""The backend's own distribution (backend-dist/): a wheel with the backend and the
protocol package and their server dependencies, and none of the browser library's files
(the browser wheel stays dependency-free: tests/e2e/test_wheel_install.py)."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_the_backend_wheel_carries_the_backend_and_its_dependencies(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--disable-pip-version-check", "-w", str(tmp_path),
                    str(PROJECT_ROOT / "backend-dist")], check=True)
    (wheel,) = tmp_path.glob("tiktokshop_backend-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    packages = {name.split("/")[0] for name in names if not name.startswith("tiktokshop_backend-")}
    assert packages == {"tiktokshop_backend", "tiktokshop_protocol"}
    assert not [name for name in names if "__pycache__" in name]
    requires = {str(Requirement(line.split(": ", 1)[1])) for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ")}
    declared = tomllib.loads((PROJECT_ROOT / "backend-dist" / "pyproject.toml").read_text())
    assert requires == {str(Requirement(r)) for r in declared["project"]["dependencies"]}
    assert {Requirement(r).name for r in requires} >= {"cryptography", "redis", "httpx2",
                                                       "starlette", "limits", "sqlalchemy",
                                                       "alembic", "aiosqlite", "psycopg"}
    # The schema's migrations ship with it: `python -m tiktokshop_backend migrate` runs them.
    assert {"tiktokshop_backend/migrations/env.py",
            "tiktokshop_backend/migrations/versions/0001_sellers_and_shops.py",
            "tiktokshop_backend/migrations/versions/0002_webhooks.py"} <= set(names)


def test_the_browser_wheel_declares_no_dependencies():
    root = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert root["project"]["dependencies"] == []
    assert root["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/tiktokshop_widgets"]
