"""FakePage and the real BrowserPage are the same ``Page``: the unit tests cannot drift
from the browser.

BrowserPage imports ``js`` and ``pyscript``, which only a browser has, so its
methods are read from its source; FakePage's from the class itself.
"""

import ast
import inspect
from pathlib import Path

import tiktokshop_widgets
from tiktokshop_widgets.page import Page

from .fake_page import FakePage

BROWSER_SOURCE = Path(tiktokshop_widgets.__file__).with_name("browser.py")


def parameters_of(function) -> list[str]:
    """Parameter names, ``*args`` written with its star."""
    return [("*" if p.kind == p.VAR_POSITIONAL else "") + p.name
            for p in inspect.signature(function).parameters.values()]


def required_methods() -> dict:
    """Page's methods that each page must define: those that raise NotImplementedError."""
    return {name: function for name, function in vars(Page).items()
            if callable(function) and "raise NotImplementedError" in inspect.getsource(function)}


def browser_page_methods() -> dict[str, list[str]]:
    tree = ast.parse(BROWSER_SOURCE.read_text())
    (browser_page,) = [node for node in tree.body
                       if isinstance(node, ast.ClassDef) and node.name == "BrowserPage"]
    methods = {}
    for node in browser_page.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args
            names = [a.arg for a in arguments.args]
            names += [f"*{arguments.vararg.arg}"] if arguments.vararg else []
            methods[node.name] = (names, isinstance(node, ast.AsyncFunctionDef))
    return methods


def test_both_pages_are_pages():
    assert [base.__name__ for base in FakePage.__bases__] == ["Page"]
    tree = ast.parse(BROWSER_SOURCE.read_text())
    (browser_page,) = [node for node in tree.body
                       if isinstance(node, ast.ClassDef) and node.name == "BrowserPage"]
    assert [base.id for base in browser_page.bases] == ["Page"]


def test_the_interface_has_what_the_package_uses():
    assert {"call", "call_async", "proxy", "release", "deferred", "promise_function",
            "element", "import_module"} <= set(required_methods())


def test_fake_page_defines_every_method_with_the_same_parameters():
    for name, function in required_methods().items():
        fake = vars(FakePage).get(name)
        assert fake is not None, f"FakePage has no {name}"
        assert parameters_of(fake) == parameters_of(function), name
        assert inspect.iscoroutinefunction(fake) == inspect.iscoroutinefunction(function), name


def test_browser_page_defines_every_method_with_the_same_parameters():
    browser = browser_page_methods()
    for name, function in required_methods().items():
        assert name in browser, f"BrowserPage has no {name}"
        parameters, is_async = browser[name]
        assert parameters == parameters_of(function), name
        assert is_async == inspect.iscoroutinefunction(function), name


def test_neither_page_overrides_what_page_builds_for_both():
    shared = {name for name, function in vars(Page).items()
              if callable(function) and name not in required_methods()}
    assert shared == {"async_function", "in_task"}
    assert not shared & set(vars(FakePage)) and not shared & set(browser_page_methods())
