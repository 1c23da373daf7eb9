"""The command lines: ``./dev app --help``, every variable named in ``serve.py --help``,
and Ctrl-C stopping the server without a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from devserver.settings import Settings
from tests.backend.conftest import interrupted

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_stops_the_dev_server_quietly(tmp_path):
    code, output = interrupted([sys.executable, "serve.py", "--port", "0", "--cdn", "live",
                                "--data-dir", str(tmp_path / "data")], tmp_path / "serve.log", {})
    assert "Finished server process" in output
    assert "Traceback" not in output and code == 0


def test_dev_app_help_is_serve_pys_help():
    done = subprocess.run(["./dev", "app", "--help"], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ./dev app FOLDER")
    assert "usage: serve.py" in done.stdout and "--app FOLDER" in done.stdout


def listed_variables(capsys) -> dict[str, str]:
    with pytest.raises(SystemExit) as exit:
        Settings.from_args(["--help"], environ={})
    assert exit.value.code == 0
    help_text = capsys.readouterr().out
    environment = help_text.split("\nenvironment", 1)[1]
    return {line.split()[0]: line.split(None, 1)[1] for line in environment.splitlines()
            if line.startswith("  ") and not line.startswith("    ")}


def test_serve_py_help_names_every_variable_of_every_option(capsys):
    listed = listed_variables(capsys)
    options = [option for option in listed.values() if option.startswith("--")]
    assert {option.split(",")[0] for option in options} == {
        "--host", "--port", "--data-dir", "--reset", "--cdn", "--token-ttl", "--public-origin",
        "--allow-origin", "--cors-origin", "--cookie-samesite", "--cookie-secure",
        "--token-limit-per-session", "--token-limit-per-ip", "--log-level"}
    assert {"DEVSERVER_TOKEN_SECRET", "DEVSERVER_SESSION_SECRET", "DEVSERVER_ENCRYPTION_SECRET",
            "REDIS_URL"} <= set(listed)


def test_each_listed_option_variable_is_read(capsys):
    """Every variable the help names for an option is the one read: a bad value of it
    stops serve.py naming it."""
    listed = {variable: option for variable, option in listed_variables(capsys).items()
              if option.startswith("--")}
    for variable, option in listed.items():
        if option in ("--host", "--data-dir"):  # any text is a host or a folder name
            assert Settings.from_args([], environ={variable: "elsewhere"}) != Settings.from_args(
                [], environ={})
            continue
        with pytest.raises(SystemExit):
            Settings.from_args([], environ={variable: "not valid!"})
        assert variable in capsys.readouterr().err, variable
