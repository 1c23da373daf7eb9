"""The exact versions package-lock.json pins, for tests that write pages."""

import json
from functools import cache

from devserver.settings import PROJECT_ROOT


@cache
def locked_version(package: str) -> str:
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{package}"]["version"]


def pyodide_url() -> str:
    return f"https://cdn.jsdelivr.net/pyodide/v{locked_version('pyodide')}/full/pyodide.mjs"


def pyscript_core_url() -> str:
    return f"https://cdn.jsdelivr.net/npm/@pyscript/core@{locked_version('@pyscript/core')}/dist/core.js"
