"""serve.py's options: flags win over environment, which wins over defaults; bad
values, from either, and unfit secrets stop it with one line, never a traceback."""

from pathlib import Path

import pytest

from devserver.cli import main
from tiktokshop_backend import host_of, origin_of, web_origin
from devserver.settings import SESSION_SECRET_ENV
from devserver.settings import PROJECT_ROOT, Settings
from devserver.settings import TOKEN_SECRET_ENV as SECRET_ENV


def test_defaults_bind_loopback_and_keep_data_in_the_project():
    settings = Settings.from_args([], environ={})
    assert (settings.host, settings.port, settings.cdn) == ("127.0.0.1", 8000, "mirror")
    assert settings.data_dir == PROJECT_ROOT / ".data"
    assert settings.reset is False


def test_environment_then_flags():
    environ = {"DEVSERVER_PORT": "9001", "DEVSERVER_CDN": "live", "DEVSERVER_RESET": "1",
               "DEVSERVER_ALLOW_ORIGINS": "http://a.test,http://b.test/"}
    settings = Settings.from_args(["--port", "9002", "--data-dir", "/tmp/x"], environ=environ)
    assert settings.port == 9002
    assert settings.cdn == "live"
    assert settings.reset is True
    assert settings.data_dir == Path("/tmp/x")
    assert settings.allowed_origins == ("http://a.test", "http://b.test")


def test_session_cors_and_rate_defaults():
    settings = Settings.from_args([], environ={})
    assert settings.cors_origins == ()
    assert (settings.cookie_samesite, settings.cookie_secure) == ("lax", "auto")
    assert settings.token_limit_per_session == "30/minute"
    assert settings.token_limit_per_ip == "300/minute"


def test_cors_origins_from_flags_or_environment_are_normalised():
    from_env = Settings.from_args(
        [], environ={"DEVSERVER_CORS_ORIGINS": "https://App.Example:443/,http://127.0.0.1:9000"})
    assert from_env.cors_origins == ("https://app.example", "http://127.0.0.1:9000")
    from_flags = Settings.from_args(["--cors-origin", "https://a.example",
                                     "--cors-origin", "http://[::1]:8080"], environ={})
    assert from_flags.cors_origins == ("https://a.example", "http://[::1]:8080")


def test_cookie_and_rate_settings_from_environment_then_flags():
    environ = {"DEVSERVER_COOKIE_SAMESITE": "strict", "DEVSERVER_COOKIE_SECURE": "never",
               "DEVSERVER_TOKEN_LIMIT_PER_SESSION": "5/second",
               "DEVSERVER_TOKEN_LIMIT_PER_IP": "1000/hour"}
    settings = Settings.from_args(["--cookie-secure", "always", "--token-limit-per-ip",
                                   "20000/minute"], environ=environ)
    assert (settings.cookie_samesite, settings.cookie_secure) == ("strict", "always")
    assert settings.token_limit_per_session == "5/second"
    assert settings.token_limit_per_ip == "20000/minute"


@pytest.mark.parametrize("argv, environ, message", [
    (["--cors-origin", "https://app.example/path"], {}, "not an origin"),
    (["--cors-origin", "ftp://app.example"], {}, "not an origin"),
    ([], {"DEVSERVER_CORS_ORIGINS": "app.example"}, "not an origin"),
    (["--cookie-samesite", "none"], {}, "needs --cookie-secure always"),
    ([], {"DEVSERVER_COOKIE_SAMESITE": "none", "DEVSERVER_COOKIE_SECURE": "auto"}, "needs"),
    ([], {"DEVSERVER_COOKIE_SAMESITE": "sometimes"}, "must be one of lax, strict, none"),
    (["--token-limit-per-session", "lots"], {}, "not a rate"),
    ([], {"DEVSERVER_TOKEN_LIMIT_PER_IP": "3 per fortnight"}, "not a rate"),
])
def test_bad_values_stop_with_a_message(capsys, argv, environ, message):
    with pytest.raises(SystemExit):
        Settings.from_args(argv, environ=environ)
    assert message in capsys.readouterr().err


def test_same_site_none_is_allowed_with_secure_cookies():
    settings = Settings.from_args(["--cookie-samesite", "none", "--cookie-secure", "always"],
                                  environ={})
    assert settings.cookie_samesite == "none"


@pytest.mark.parametrize("value, reset", [
    ("1", True), ("true", True), ("Yes", True), ("ON", True),
    ("", False), ("0", False), ("false", False), ("False", False), ("no", False), ("off", False),
])
def test_reset_from_the_environment_reads_yes_and_no(value, reset):
    assert Settings.from_args([], environ={"DEVSERVER_RESET": value}).reset is reset


def one_line_error(capsys, argv, environ) -> str:
    """What Settings.from_args printed as it stopped with status 2; it must be one line."""
    with pytest.raises(SystemExit) as stopped:
        Settings.from_args(argv, environ=environ)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("variable, value, message", [
    ("DEVSERVER_RESET", "maybe", "neither on"),
    ("DEVSERVER_PORT", "eighty", "not a port number"),
    ("DEVSERVER_PORT", "70000", "not a port number"),
    ("DEVSERVER_TOKEN_TTL", "5m", "not a whole number of seconds"),
    ("DEVSERVER_TOKEN_TTL", "0", "not a whole number of seconds"),
    ("DEVSERVER_CDN", "sometimes", "must be one of mirror, live"),
    ("DEVSERVER_ALLOW_ORIGINS", "http://a.test,localhost:9000", "not an origin"),
    ("DEVSERVER_PUBLIC_ORIGIN", "https://app.example/shop", "not an origin"),
])
def test_a_bad_environment_value_is_one_line_naming_the_variable(capsys, variable, value,
                                                                 message):
    line = one_line_error(capsys, [], {variable: value})
    assert variable in line and message in line and repr(value.split(",")[-1]) in line


@pytest.mark.parametrize("argv, message", [
    (["--port", "eighty"], "not a port number"),
    (["--token-ttl", "-5"], "not a whole number of seconds"),
    (["--public-origin", "app.example"], "not an origin"),
])
def test_bad_flags_stop_with_a_message(capsys, argv, message):
    with pytest.raises(SystemExit):
        Settings.from_args(argv, environ={})
    assert message in capsys.readouterr().err


def test_the_public_origin_is_normalised_and_off_by_default():
    assert Settings.from_args([], environ={}).public_origin is None
    assert Settings.from_args([], environ={"DEVSERVER_PUBLIC_ORIGIN": ""}).public_origin is None
    from_env = Settings.from_args([], environ={"DEVSERVER_PUBLIC_ORIGIN": "HTTPS://App.Example/"})
    assert from_env.public_origin == "https://app.example"
    from_flag = Settings.from_args(["--public-origin", "http://[::1]:8443"], environ={})
    assert from_flag.public_origin == "http://[::1]:8443"


# -- origins, as settings, the sandbox and the export spell them -----------------------


@pytest.mark.parametrize("url, origin", [
    ("https://backend.example/api/v1/widget/access_token", "https://backend.example"),
    ("HTTPS://Backend.Example:443", "https://backend.example"),
    ("http://127.0.0.1:80/", "http://127.0.0.1"),
    ("http://localhost:9000?x=1", "http://localhost:9000"),
    ("http://[::1]:8000/x", "http://[::1]:8000"),
])
def test_the_origin_of_a_url(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", ["", "null", "backend.example", "/api/v1", "//backend.example",
                                 "ftp://backend.example", "http://", "http://[::1", "http://a:x"])
def test_no_origin_without_an_http_url(url):
    with pytest.raises(ValueError, match="not an http"):
        origin_of(url)


def test_a_configured_origin_is_an_origin_and_nothing_more():
    assert web_origin(" https://App.Example:443/ ") == "https://app.example"
    for value in ("https://app.example/shop", "https://app.example?x", "https://app.example#x",
                  "https://user@app.example", "app.example", "http://[::1"):
        with pytest.raises(ValueError, match="not an origin"):
            web_origin(value)


def test_the_host_of_an_origin_as_a_host_header_names_it():
    assert host_of("https://App.Example:8443") == "app.example"
    assert host_of("http://[::1]:8000") == "[::1]"


# -- serve.py's start --------------------------------------------------------------------


@pytest.mark.parametrize("environ, message", [
    ({SECRET_ENV: "short"}, f"{SECRET_ENV} must be at least 32 bytes"),
    ({SESSION_SECRET_ENV: "short"}, f"{SESSION_SECRET_ENV} must be at least 32 bytes"),
    ({SECRET_ENV: "t" * 64, SESSION_SECRET_ENV: "t" * 64}, "differ from the token secret"),
])
def test_unfit_secrets_stop_serve_py_with_one_line(tmp_path, monkeypatch, capsys,
                                                   environ, message):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["--data-dir", str(tmp_path / "data"), "--cdn", "live"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("serve.py: ") and message in err and len(err.splitlines()) == 1


def test_a_short_secret_file_stops_serve_py_naming_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "token-secret").write_text("")  # emptied, or never written
    assert main(["--data-dir", str(tmp_path / "data"), "--cdn", "live"]) == 2
    err = capsys.readouterr().err
    assert "token-secret must be at least 32 bytes" in err and len(err.splitlines()) == 1


def test_a_data_dir_that_cannot_be_made_stops_serve_py_with_one_line(tmp_path, capsys):
    (tmp_path / "data").write_text("a file, not a folder")
    assert main(["--data-dir", str(tmp_path / "data"), "--cdn", "live"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("serve.py: ") and len(err.splitlines()) == 1
