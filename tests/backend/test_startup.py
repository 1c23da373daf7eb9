"""What the backend stands on, checked at start: a database or Redis that is misnamed,
unreachable or refusing stops it with one line naming the variable (never a password),
the same line whether it runs alone or is mounted; a PostgreSQL schema that is not
current says to migrate. Failing later, they are 503s with a code, and it recovers."""

import traceback

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from testsupport.servers import APP_ROLE, dead_port, run_redis
from tiktokshop_backend import (
    ENVIRONMENT_NAMES,
    BackendSettings,
    SettingsError,
    TokenCipher,
    TokenStore,
    create_app,
)
from tiktokshop_backend.__main__ import main
from tiktokshop_widgets.backend import SELLER_PATH, TOKEN_PATH

from .conftest import ENCRYPTION_KEY, GB_SHOP, OWN_ORIGIN, US_SHOP, backend_settings, connect
from .test_settings import REQUIRED

QUERY = {"outer_shop_id": US_SHOP, "partner_type": "1"}


def start(monkeypatch, capsys, environ: dict) -> str:
    """``python -m tiktokshop_backend`` with these variables, which must refuse to start:
    the one line it printed. Mounting the app (create_app) raises that very line."""
    for name in ENVIRONMENT_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["--port", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("tiktokshop_backend: ")
    with pytest.raises(SettingsError) as mounted:
        create_app(BackendSettings.from_environ())
    assert str(mounted.value) == line
    # One exception, not a chain of them.
    assert "During handling" not in "".join(traceback.format_exception(mounted.value))
    return line


def test_missing_settings_are_one_line_alone_and_mounted(monkeypatch, capsys):
    line = start(monkeypatch, capsys, {})
    assert line.startswith("tiktokshop_backend: not set: TIKTOKSHOP_APP_KEY")


@pytest.mark.parametrize("url, says", [
    ("postgresql//user:pw@host/db", "TIKTOKSHOP_DATABASE_URL is not a database URL like "
                                    "postgresql://user:password@host:5432/db"),
    ("mysql://user:pw@host/db", "TIKTOKSHOP_DATABASE_URL is a mysql URL: the backend stores "
                                "sellers in PostgreSQL"),
    ("postgresql+asyncpg://user:pw@host/db", "names the driver 'postgresql+asyncpg'"),
    ("postgresql://user:pw@/db", "needs a host and a database name"),
    ("sqlite://", "needs a file for SQLite"),
])
def test_a_malformed_database_url_is_one_line(monkeypatch, capsys, url, says):
    line = start(monkeypatch, capsys, {**REQUIRED, "TIKTOKSHOP_DATABASE_URL": url})
    assert says in line and ":pw@" not in line


def test_an_unreachable_database_is_one_line(monkeypatch, capsys, postgres):
    port = dead_port()
    url = f"postgresql://{APP_ROLE}:{postgres.password}@127.0.0.1:{port}/shop"
    line = start(monkeypatch, capsys, {**REQUIRED, "TIKTOKSHOP_DATABASE_URL": url})
    assert line.startswith("tiktokshop_backend: TIKTOKSHOP_DATABASE_URL: cannot use the "
                           f"database at postgresql://{APP_ROLE}:***@127.0.0.1:{port}/shop")
    assert "refused" in line and postgres.password not in line


def test_a_database_refusing_the_password_is_one_line(monkeypatch, capsys, postgres, postgres_url):
    url = postgres_url.replace(postgres.password, "not-the-password")
    line = start(monkeypatch, capsys, {**REQUIRED, "TIKTOKSHOP_DATABASE_URL": url})
    assert "TIKTOKSHOP_DATABASE_URL" in line and "password authentication failed" in line
    assert "not-the-password" not in line and postgres.password not in line


def test_a_sqlite_folder_that_does_not_exist_is_one_line(monkeypatch, capsys, tmp_path):
    path = tmp_path / "nowhere" / "backend.sqlite3"
    line = start(monkeypatch, capsys, {**REQUIRED, "TIKTOKSHOP_DB_PATH": str(path)})
    assert line == (f"tiktokshop_backend: TIKTOKSHOP_DB_PATH: the folder {path.parent} "
                    "does not exist")
    assert not path.parent.exists()


def test_a_redis_url_that_is_not_one_is_one_line(monkeypatch, capsys, tmp_path):
    line = start(monkeypatch, capsys, {**REQUIRED, "REDIS_URL": "notredis",
                                       "TIKTOKSHOP_DB_PATH": str(tmp_path / "b.sqlite3")})
    assert line == ("tiktokshop_backend: REDIS_URL must be a Redis URL, like "
                    "redis://host:6379/0 (or rediss://, unix://)")


def test_an_unreachable_redis_is_one_line(monkeypatch, capsys, tmp_path):
    port = dead_port()
    line = start(monkeypatch, capsys, {**REQUIRED, "REDIS_URL": f"redis://:pw@127.0.0.1:{port}/0",
                                       "TIKTOKSHOP_DB_PATH": str(tmp_path / "b.sqlite3")})
    assert line.startswith(f"tiktokshop_backend: REDIS_URL: Redis at redis://:***@127.0.0.1:"
                           f"{port}/0 does not answer: ")
    assert "refused" in line and ":pw@" not in line


def test_a_postgresql_schema_not_current_says_to_migrate_and_migrate_does(monkeypatch, capsys,
                                                                         postgres):
    url = postgres.create_database()
    environ = {**REQUIRED, "TIKTOKSHOP_DATABASE_URL": url}
    line = start(monkeypatch, capsys, environ)
    assert line == ("tiktokshop_backend: TIKTOKSHOP_DATABASE_URL: the database's schema is at "
                    "revision none, this backend needs 0002: run "
                    "python -m tiktokshop_backend migrate")

    shown = url.replace(postgres.password, "***")
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == (f"Upgraded the database at {shown} from revision none "
                                       "to 0002.\n")
    assert main(["migrate"]) == 0  # again: nothing to do
    assert capsys.readouterr().out == (f"The database at {shown} is at revision 0002: "
                                       "nothing to do.\n")
    with TestClient(create_app(BackendSettings.from_environ())) as started:
        assert started.get(SELLER_PATH).json()["code"] == 40100  # serving: nobody connected


def test_a_database_that_goes_away_is_a_503_then_back_without_a_restart(
        tiktok, tmp_path, postgres, postgres_url, logs):
    app = create_app(backend_settings(tmp_path, tiktok, database_url=postgres_url),
                     clock=tiktok.clock)
    with TestClient(app, base_url=OWN_ORIGIN) as backend:
        connect(backend, tiktok)
        # A second shop authorized on TikTok: the callback comes while the database is down.
        state = httpx.URL(backend.get("/auth/tiktok/start", follow_redirects=False)
                          .headers["location"]).params["state"]
        redirect = httpx.URL(tiktok.control("authorize", shop_ids=[GB_SHOP],
                                            state=state)["redirect_url"])
        postgres.stop()
        try:
            down = [backend.get(SELLER_PATH), backend.get(TOKEN_PATH, params=QUERY)]
            callback = backend.get(redirect.raw_path.decode(), follow_redirects=False)
        finally:
            postgres.start()
        back = [backend.get(SELLER_PATH), backend.get(TOKEN_PATH, params=QUERY)]

    for response in down:
        assert response.status_code == 503, response.text
        assert response.json()["code"] == 50301
        assert response.json()["message"] == ("the app's server cannot reach its database: "
                                              "try again in 5 s")
        assert response.headers["retry-after"] == "5"
    assert [response.status_code for response in back] == [200, 200]
    text = "\n".join(record.getMessage() for record in logs.records)
    assert "the database is unavailable: connection" in text
    assert postgres.password not in text and ENCRYPTION_KEY not in text
    assert callback.status_code == 503
    assert "cannot reach its database right now: try again in a moment" in callback.text


def test_a_redis_that_goes_away_is_a_json_503(make_backend, tiktok, tmp_path, logs):
    with run_redis(tmp_path / "redis") as redis_url:
        backend = make_backend(redis_url=redis_url)
        connect(backend, tiktok)
        assert backend.get(SELLER_PATH).status_code == 200
    response = backend.get(SELLER_PATH)
    assert response.status_code == 503 and response.json()["code"] == 50302
    assert "shared state (Redis)" in response.json()["message"]
    start_page = backend.get("/auth/tiktok/start", follow_redirects=False)
    assert start_page.status_code == 503 and "try again in a moment" in start_page.text
    assert "Redis (REDIS_URL) is unavailable" in "\n".join(r.getMessage() for r in logs.records)


def test_a_store_on_the_default_sqlite_needs_nothing_set_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default file, tiktokshop-backend.sqlite3, lands here
    settings = BackendSettings.from_environ(REQUIRED)
    store = TokenStore(settings.database, TokenCipher(ENCRYPTION_KEY))
    store.prepare()
    assert (tmp_path / "tiktokshop-backend.sqlite3").stat().st_mode & 0o077 == 0


def test_migrate_refused_by_the_database_is_one_line(monkeypatch, capsys, postgres):
    """A role that may not create tables (PostgreSQL 15: a database it does not own)."""
    postgres.sql("CREATE DATABASE not_owned")
    url = postgres.url("not_owned", APP_ROLE)
    for name in ENVIRONMENT_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**REQUIRED, "TIKTOKSHOP_DATABASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    assert main(["migrate"]) == 2
    printed = capsys.readouterr()
    assert printed.err.splitlines() == [
        "tiktokshop_backend: TIKTOKSHOP_DATABASE_URL: the database refused: "
        "permission denied for schema public"]
    assert postgres.password not in printed.err + printed.out
