"""Where the token store lives: database URLs, engines, the schema and its migrations.

    url = database_url(Path("backend.sqlite3"))           # sqlite+aiosqlite:///backend.sqlite3
    url = database_url("postgresql://u:p@db:5432/shop")    # postgresql+psycopg://u:p@db:5432/shop
    engine = async_engine(url)                 # what requests use
    with sync_engine(url).connect() as db:     # what the start and the commands use
        schema_state(db)                       # SchemaState(current="0002", head="0002")
        upgrade(db)                            # to the newest revision, in one transaction

Two databases: a SQLite file (the default: nothing to install, aiosqlite for
asyncio) and PostgreSQL (psycopg 3, whose one driver speaks both sync and
asyncio). SQLite runs in WAL mode with full syncs and foreign keys on; a
transaction that writes starts with ``BEGIN IMMEDIATE`` (``WRITE`` in its
execution options), so two writers queue on SQLite's busy timeout instead of
failing to upgrade a read lock. PostgreSQL connections are checked before use
(``pool_pre_ping``): after the server restarts, requests reconnect by themselves.

The schema's history is Alembic's, in ``migrations/`` (shipped in the wheel):
revision 0001 is the schema the backend had before migrations, and adopts a
file made then as it is.
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS = "tiktokshop_backend:migrations"
# An execution option: this transaction writes (SQLite: BEGIN IMMEDIATE).
WRITE = "tiktokshop_write"
# Seconds to wait for a database server to accept a connection.
CONNECT_TIMEOUT_S = 5
# Seconds a SQLite writer waits for another one to finish.
SQLITE_BUSY_TIMEOUT_S = 30
# One number, any: the lock that makes concurrent `migrate` runs take turns on PostgreSQL.
MIGRATION_LOCK = 0x7417_5409
EXAMPLE = "postgresql://user:password@host:5432/db"
# What the database going away looks like through SQLAlchemy (and the pool timing out).
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError)


def database_url(database: "str | os.PathLike") -> URL:
    """The store's URL (with its asyncio driver): a path is a SQLite file; a string is a
    URL, ``postgresql://`` or ``sqlite:///file``. ValueError says what is wrong with it,
    never showing its password."""
    if isinstance(database, os.PathLike):
        return URL.create("sqlite+aiosqlite", database=os.fspath(database))
    try:
        if "://" not in database:
            raise ArgumentError(database)
        url = make_url(database)
    except ArgumentError:
        raise ValueError(f"is not a database URL like {EXAMPLE}") from None
    backend = url.drivername.split("+")[0]
    if backend in ("postgresql", "postgres"):
        if url.drivername not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise ValueError(f"names the driver {url.drivername!r}: use postgresql:// "
                             "(the backend talks to PostgreSQL with psycopg 3)")
        if not (url.host or url.query.get("host")) or not url.database:
            raise ValueError(f"needs a host and a database name, like {EXAMPLE}")
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("needs a file for SQLite, like sqlite:///backend.sqlite3")
        return url.set(drivername="sqlite+aiosqlite")
    raise ValueError(f"is a {backend} URL: the backend stores sellers in PostgreSQL "
                     f"({EXAMPLE}) or SQLite (sqlite:///file)")


def shown(url: URL) -> str:
    """The database as messages show it: a SQLite file's path, a server's URL as the
    user writes it (no driver) and without its password."""
    if is_sqlite(url):
        return url.database
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path | None:
    return Path(url.database) if is_sqlite(url) else None


def async_engine(url: URL) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, hide_parameters=True,
                                     connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _sqlite_setup(engine.sync_engine)
        return engine
    return create_async_engine(url, hide_parameters=True, pool_pre_ping=True,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def sync_engine(url: URL) -> Engine:
    """An engine without a pool, for the start's checks and the commands (the same
    database through the drivers' blocking side: sqlite3, psycopg)."""
    if is_sqlite(url):
        engine = create_engine(url.set(drivername="sqlite"), hide_parameters=True,
                               poolclass=NullPool,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, hide_parameters=True, poolclass=NullPool,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def _sqlite_setup(engine: Engine) -> None:
    # SQLAlchemy's recipe for SQLite transactions: the driver begins none of its own,
    # and each transaction starts with our BEGIN (IMMEDIATE when it writes).
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            cursor.execute("PRAGMA " + pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection):
        immediate = connection.get_execution_options().get(WRITE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def describe(error: BaseException) -> str:
    """One line on why the database failed, from the driver's own message: no SQL, no
    parameters, no password (drivers do not repeat it)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return (lines[0] if lines else type(cause).__name__)[:300]


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no revision recorded (a new database, or a file from before)
    head: str
    known: bool          # False: a newer backend migrated it

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


class _AlembicChatter(logging.Filter):
    """Alembic says which dialect it drives each time it looks at a database: at every
    start of every backend. Its lines about running migrations stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl", "Will assume"))


def _quiet_alembic() -> None:
    logger = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _AlembicChatter) for f in logger.filters):
        logger.addFilter(_AlembicChatter())


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def schema_state(connection: Connection) -> SchemaState:
    _quiet_alembic()
    scripts = _scripts()
    current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or any(s.revision == current for s in scripts.walk_revisions())
    return SchemaState(current, scripts.get_current_head(), known)


def upgrade(connection: Connection) -> None:
    """Bring the schema to the newest revision; one transaction (the caller's), which
    concurrent upgrades wait for."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    command.upgrade(_config(connection), "head")
