"""serve.py's options: flags win over environment, which wins over defaults."""

from pathlib import Path

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
