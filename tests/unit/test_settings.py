"""serve.py's options: flags win over environment, which wins over defaults."""

from pathlib import Path

import pytest

from devserver.settings import PROJECT_ROOT, Settings


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
