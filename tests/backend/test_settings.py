"""The backend's settings from the environment: every field has a variable, a missing or
bad one is refused naming it, and secrets never show in a repr."""

import sys

import pytest
from cryptography.fernet import Fernet

from tiktokshop_backend import ENVIRONMENT_NAMES, BackendSettings, SettingsError
from tiktokshop_protocol import AUTH_BASE, AUTHORIZE_URL, OPEN_API_BASE

KEY = Fernet.generate_key().decode()
REQUIRED = {
    "TIKTOKSHOP_APP_KEY": "app-key", "TIKTOKSHOP_APP_SECRET": "app-secret-value",
    "TIKTOKSHOP_SERVICE_ID": "7300", "TIKTOKSHOP_REDIRECT_URL": "https://a.example/cb",
    "TIKTOKSHOP_ENCRYPTION_KEY": KEY, "TIKTOKSHOP_SESSION_SECRET": "s" * 40,
    "TIKTOKSHOP_WIDGET_TOKEN_PATH": "/widget/202309/access_token",
}


def test_the_required_values_and_tiktoks_hosts_by_default():
    settings = BackendSettings.from_environ(REQUIRED)
    assert (settings.open_api_base, settings.auth_base, settings.authorize_url) == (
        OPEN_API_BASE, AUTH_BASE, AUTHORIZE_URL)
    assert settings.redis_url is None
    assert "app-secret-value" not in repr(settings) and KEY not in repr(settings)


def test_every_setting_has_its_variable():
    environ = {**REQUIRED, "REDIS_URL": "redis://r:6379/1", "TIKTOKSHOP_TIMEOUT": "2.5",
               "TIKTOKSHOP_READ_ATTEMPTS": "5", "TIKTOKSHOP_CORS_ORIGINS": "https://A.example/,",
               "TIKTOKSHOP_DB_PATH": "/tmp/x.sqlite3"}
    settings = BackendSettings.from_environ(environ)
    assert (settings.redis_url, settings.timeout, settings.read_attempts) == (
        "redis://r:6379/1", 2.5, 5)
    assert settings.cors_origins == ("https://a.example",)
    assert str(settings.db_path) == "/tmp/x.sqlite3"
    assert settings.database.render_as_string() == "sqlite+aiosqlite:////tmp/x.sqlite3"
    assert "REDIS_URL" in ENVIRONMENT_NAMES and "TIKTOKSHOP_APP_SECRET" in ENVIRONMENT_NAMES


def test_the_refresher_and_metrics_settings():
    default = BackendSettings.from_environ(REQUIRED)
    assert (default.refresh_interval, default.refresh_ahead, default.metrics) == (60, 3600, False)
    settings = BackendSettings.from_environ({
        **REQUIRED, "TIKTOKSHOP_REFRESH_INTERVAL": "0", "TIKTOKSHOP_REFRESH_AHEAD": "7200",
        "TIKTOKSHOP_METRICS": "on"})
    assert (settings.refresh_interval, settings.refresh_ahead, settings.metrics) == (0, 7200, True)
    assert BackendSettings.from_environ({**REQUIRED, "TIKTOKSHOP_METRICS": "0"}).metrics is False


def test_a_database_url_wins_over_the_sqlite_file_and_hides_its_password():
    settings = BackendSettings.from_environ({
        **REQUIRED, "TIKTOKSHOP_DB_PATH": "/tmp/x.sqlite3",
        "TIKTOKSHOP_DATABASE_URL": "postgresql://shop:db-password-1@db.internal:5432/shop"})
    assert settings.database.render_as_string(hide_password=False) == (
        "postgresql+psycopg://shop:db-password-1@db.internal:5432/shop")
    assert settings.database_variable == "TIKTOKSHOP_DATABASE_URL"
    assert "db-password-1" not in repr(settings)


@pytest.mark.parametrize("change, message", [
    ({"TIKTOKSHOP_APP_SECRET": None}, "TIKTOKSHOP_APP_SECRET"),
    ({"TIKTOKSHOP_ENCRYPTION_KEY": "not-a-key"}, "TIKTOKSHOP_ENCRYPTION_KEY must be Fernet"),
    ({"TIKTOKSHOP_SESSION_SECRET": "short"}, "TIKTOKSHOP_SESSION_SECRET must be at least 32"),
    ({"TIKTOKSHOP_SESSION_SECRET": "app-secret-value" * 3,
      "TIKTOKSHOP_APP_SECRET": "app-secret-value" * 3}, "must differ"),
    ({"TIKTOKSHOP_WIDGET_TOKEN_PATH": "widget"}, "TIKTOKSHOP_WIDGET_TOKEN_PATH must be a path"),
    ({"TIKTOKSHOP_OPEN_API_BASE": "ftp://x"}, "TIKTOKSHOP_OPEN_API_BASE must be an http(s) URL"),
    ({"TIKTOKSHOP_TIMEOUT": "soon"}, "TIKTOKSHOP_TIMEOUT"),
    ({"TIKTOKSHOP_TOKEN_LIMIT_PER_IP": "lots"}, "not a rate"),
    ({"TIKTOKSHOP_CORS_ORIGINS": "https://a.example/path"}, "not an origin"),
    ({"TIKTOKSHOP_COOKIE_SAMESITE": "none"}, "cookie_secure always"),
    ({"TIKTOKSHOP_METRICS": "maybe"}, "TIKTOKSHOP_METRICS: 'maybe' is not a valid value"),
    ({"TIKTOKSHOP_REFRESH_INTERVAL": "3000"}, "TIKTOKSHOP_REFRESH_INTERVAL must be 0 (off) or "
     "shorter than TIKTOKSHOP_REFRESH_AHEAD minus TIKTOKSHOP_REFRESH_MARGIN"),
    ({"TIKTOKSHOP_REFRESH_INTERVAL": "-1"}, "TIKTOKSHOP_REFRESH_INTERVAL must be 0"),
])
def test_a_missing_or_bad_value_is_refused_naming_it(change, message):
    environ = {**REQUIRED, **change}
    environ = {name: value for name, value in environ.items() if value is not None}
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BackendSettings.from_environ(environ)


def test_running_alone_without_settings_says_what_is_missing(capsys, monkeypatch):
    from tiktokshop_backend.__main__ import main
    for name in ENVIRONMENT_NAMES:
        monkeypatch.delenv(name, raising=False)
    assert main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tiktokshop_backend: not set: TIKTOKSHOP_APP_KEY")
    assert len(err.splitlines()) == 1


def test_help_lists_every_variable_and_which_are_required(capsys):
    from tiktokshop_backend.__main__ import main
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    listed = {line.split()[0]: line.split(None, 1)[1]
              for line in capsys.readouterr().out.splitlines()
              if line.startswith("  ") and line.split()[0] in ENVIRONMENT_NAMES}
    assert list(listed) == list(ENVIRONMENT_NAMES)
    assert {name for name, what in listed.items() if what.startswith("required")} == set(REQUIRED)
    assert listed["TIKTOKSHOP_APP_SECRET"] == "required, secret"
    assert listed["TIKTOKSHOP_TOKEN_LIMIT_PER_IP"] == "default 300/minute"


def test_ctrl_c_stops_it_quietly(tmp_path, monkeypatch):
    from .conftest import interrupted
    environ = {**REQUIRED, "TIKTOKSHOP_DB_PATH": str(tmp_path / "backend.sqlite3")}
    code, output = interrupted([sys.executable, "-m", "tiktokshop_backend", "--port", "0"],
                               tmp_path / "backend.log", environ)
    assert "Finished server process" in output
    assert "Traceback" not in output and code == 0
