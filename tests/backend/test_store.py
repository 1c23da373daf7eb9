"""The token store, on a SQLite file and on PostgreSQL: tokens encrypted at rest, readable
only with the key, intact after a process is killed in the middle of writing (SIGKILL);
a file written before migrations upgraded in place, a database of the previous revision
upgraded with nothing lost; keys rotated in batches."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import psycopg
import pytest
from alembic import command
from cryptography.fernet import Fernet

from tiktokshop_backend import SellerTokens, Shop, StoreUnreadable, TokenCipher, TokenStore
from tiktokshop_backend._database import _config, database_url, sync_engine
from tiktokshop_backend._store import ReceivedWebhook

HEAD = "0002"

KEY = Fernet.generate_key().decode()
SELLER = SellerTokens("open-1", "Demo Seller", "US", "ACCESS-abc123", 100, "REFRESH-xyz789", 200)
SHOPS = [Shop("7495610000000000001", "Maple & Co", "US", "CIPHER_1"),
         Shop("7495610000000000002", "Thames Home Goods", "GB", "CIPHER_2")]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A new database for a store: a SQLite file's path, or the URL of a new PostgreSQL
    database, migrated (as ``python -m tiktokshop_backend migrate`` does)."""
    if request.param == "sqlite":
        return tmp_path / "b.sqlite3"
    url = request.getfixturevalue("postgres").create_database()
    TokenStore(url, cipher=None).migrate()
    return url


def using(database, work, key=KEY):
    """``await work(store)`` on a ready store over ``database``, in an event loop of its own."""
    async def run():
        store = TokenStore(database, TokenCipher(key))
        try:
            return await work(store)
        finally:
            await store.aclose()

    TokenStore(database, TokenCipher(key)).prepare()
    return asyncio.run(run())


def raw_rows(database) -> list[tuple]:
    """The sellers table as the database holds it."""
    query = "SELECT * FROM sellers ORDER BY open_id"
    if isinstance(database, str):
        with psycopg.connect(database) as db:
            return db.execute(query).fetchall()
    with sqlite3.connect(database) as db:
        return db.execute(query).fetchall()


def test_a_seller_and_shops_come_back_as_stored(database):
    async def work(store):
        await store.save_seller(SELLER, SHOPS)
        return await store.seller("open-1"), await store.shops("open-1"), await store.seller("x")

    assert using(database, work) == (SELLER, SHOPS, None)


def test_many_sellers_are_saved_in_one_go(database):
    other = SellerTokens("open-2", "Other", "GB", "ACCESS-2", 100, "REFRESH-2", 200)

    async def work(store):
        await store.save_sellers([(SELLER, SHOPS[:1]), (other, SHOPS[1:])])
        return await store.sellers(), await store.seller("open-2"), await store.shops("open-2")

    assert using(database, work) == (["open-1", "open-2"], other, SHOPS[1:])


def test_sellers_expiring_are_those_a_refresh_can_help_soonest_first(database):
    async def work(store):
        for open_id, access_expire_at, refresh_expire_at in [
                ("later", 500, 900), ("soon", 150, 900), ("soonest", 120, 900),
                ("lapsed", 90, 99)]:
            await store.save_seller(SellerTokens(open_id, "S", "US", "A", access_expire_at, "R",
                                                 refresh_expire_at))
        await store.ping()
        return (await store.sellers_expiring(before=150, now=100),
                await store.sellers_expiring(before=1000, now=100))

    assert using(database, work) == (["soonest", "soon"], ["soonest", "soon", "later"])


def test_a_shop_moves_to_the_seller_who_connects_it_last(database):
    other = SellerTokens("open-2", "Other", "GB", "A2", 1, "R2", 2)

    async def work(store):
        await store.save_seller(SELLER, SHOPS)
        await store.save_seller(other, [SHOPS[1]])
        await store.save_seller(SELLER)  # a refresh: tokens only, the shops stay
        return await store.shops("open-1"), await store.shops("open-2"), await store.sellers()

    assert using(database, work) == ([SHOPS[0]], [SHOPS[1]], ["open-1", "open-2"])


def test_tokens_are_not_in_the_database_in_the_clear(database):
    using(database, lambda store: store.save_seller(SELLER, SHOPS))
    (row,) = raw_rows(database)
    assert "Demo Seller" in row  # what is not secret is stored as is
    stored = b"".join(bytes(value) for value in row if isinstance(value, (bytes, memoryview)))
    assert len(stored) > 100 and b"ACCESS-abc123" not in stored and b"REFRESH" not in stored
    if not isinstance(database, str):
        raw = b"".join(p.read_bytes() for p in database.parent.iterdir())
        assert b"ACCESS-abc123" not in raw and b"REFRESH-xyz789" not in raw
        assert database.stat().st_mode & 0o077 == 0


def test_repr_never_shows_the_tokens_nor_the_password(postgres):
    assert "ACCESS" not in repr(SELLER) and "REFRESH" not in repr(SELLER)
    url = postgres.create_database()
    assert postgres.password in url and postgres.password not in repr(TokenStore(url, None))


def test_another_key_cannot_read_the_tokens_and_says_so(database):
    using(database, lambda store: store.save_seller(SELLER))
    with pytest.raises(StoreUnreadable, match="TIKTOKSHOP_ENCRYPTION_KEY"):
        using(database, lambda store: store.seller("open-1"),
              key=Fernet.generate_key().decode())


def test_a_rotated_key_still_reads_what_the_old_one_wrote(database):
    using(database, lambda store: store.save_seller(SELLER))
    rotated = Fernet.generate_key().decode() + "," + KEY
    assert using(database, lambda store: store.seller("open-1"), key=rotated) == SELLER


WRITER = textwrap.dedent("""
    import asyncio, sys
    from tiktokshop_backend import SellerTokens, Shop, TokenCipher, TokenStore

    async def write():
        store = TokenStore(sys.argv[1], TokenCipher(sys.argv[2]))
        n = 0
        while True:
            n += 1
            seller = SellerTokens("open-%d" % (n % 7), "Seller %d" % n, "US", "access-%d" % n,
                                  n, "refresh-%d" % n, n)
            await store.save_seller(seller, [Shop(str(7495610000000000000 + n), "Shop %d" % n,
                                                  "US", "C%d" % n)])
            if n == 50:
                print("writing", flush=True)

    asyncio.run(write())
""")


def test_a_store_killed_while_writing_is_intact_after_restart(database):
    using(database, lambda store: store.sellers())  # ready: upgraded, or migrated
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, KEY],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"  # well into its writes, then killed
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    if not isinstance(database, str):
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    async def everything(store):
        return [(await store.seller(open_id), await store.shops(open_id))
                for open_id in await store.sellers()]

    sellers = using(database, everything)
    assert len(sellers) == 7
    for seller, shops in sellers:  # every row whole: its tokens decrypt and match its number
        n = seller.access_expire_at
        assert (seller.name, seller.access_token, seller.refresh_token) == (
            f"Seller {n}", f"access-{n}", f"refresh-{n}")
        assert [shop.name for shop in shops] == [f"Shop {n}"]


# What the backend wrote before migrations (tiktokshop_backend/_store.py until then).
SCHEMA_BEFORE_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS sellers (
    open_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    access_token BLOB NOT NULL,
    access_expire_at INTEGER NOT NULL,
    refresh_token BLOB NOT NULL,
    refresh_expire_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shops (
    shop_id TEXT PRIMARY KEY,
    open_id TEXT NOT NULL REFERENCES sellers(open_id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    cipher TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shops_by_seller ON shops(open_id, position);
"""


def test_a_file_written_before_migrations_upgrades_in_place_with_nothing_lost(tmp_path):
    path = tmp_path / "tiktokshop-backend.sqlite3"
    fernet = Fernet(KEY)
    with sqlite3.connect(path, isolation_level=None) as db:  # as the code before wrote it
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA_BEFORE_MIGRATIONS)
        for n, seller in enumerate([SELLER, SellerTokens("open-2", "Other", "GB", "A2", 5,
                                                         "R2", 6)]):
            db.execute("INSERT INTO sellers VALUES (?, ?, ?, ?, ?, ?, ?)", (
                seller.open_id, seller.name, seller.region,
                fernet.encrypt(seller.access_token.encode()), seller.access_expire_at,
                fernet.encrypt(seller.refresh_token.encode()), seller.refresh_expire_at))
        db.executemany("INSERT INTO shops VALUES (?, ?, ?, ?, ?, ?)", [
            (shop.id, "open-1", position, shop.name, shop.region, shop.cipher)
            for position, shop in enumerate(SHOPS)])
    before = raw_rows(path)

    async def everything(store):
        return [(await store.seller(open_id), await store.shops(open_id))
                for open_id in await store.sellers()]

    assert using(path, everything) == [
        (SELLER, SHOPS), (SellerTokens("open-2", "Other", "GB", "A2", 5, "R2", 6), [])]
    assert raw_rows(path) == before
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # And it goes on as any store: a new seller, a seller's new tokens.
    using(path, lambda store: store.save_seller(SellerTokens("open-3", "New", "SG", "A3", 7,
                                                             "R3", 8), [Shop("9", "N", "SG", "C")]))
    assert using(path, lambda store: store.sellers()) == ["open-1", "open-2", "open-3"]


@pytest.fixture(params=["sqlite", "postgresql"])
def at_previous_revision(request, tmp_path):
    """A database at revision 0001 (the schema before webhooks were recorded): a SQLite
    file's path, or a PostgreSQL database's URL."""
    if request.param == "sqlite":
        database = tmp_path / "b.sqlite3"
    else:
        database = request.getfixturevalue("postgres").create_database()
    engine = sync_engine(database_url(database))
    with engine.begin() as db:
        command.upgrade(_config(db), "0001")
    engine.dispose()
    return database


def test_a_database_of_the_previous_revision_is_upgraded_with_nothing_lost(at_previous_revision):
    url = at_previous_revision
    other = SellerTokens("open-2", "Other", "GB", "A2", 5, "R2", 6)

    async def populate(store):  # as the backend of revision 0001 wrote it
        await store.save_sellers([(SELLER, SHOPS), (other, [])])

    async def run(work):
        store = TokenStore(url, TokenCipher(KEY))
        try:
            return await work(store)
        finally:
            await store.aclose()

    asyncio.run(run(populate))
    before = raw_rows(url)

    assert TokenStore(url, TokenCipher(KEY)).migrate() == ("0001", HEAD)

    async def everything(store):
        return [(await store.seller(open_id), await store.shops(open_id))
                for open_id in await store.sellers()]

    assert using(url, everything) == [(SELLER, SHOPS), (other, [])]
    assert raw_rows(url) == before
    webhook = ReceivedWebhook("7327112393057371910", 12, SHOPS[0].id, "{}", "/start", 1)

    async def receive_twice(store):
        return [await store.receive_webhook(webhook), await store.receive_webhook(webhook),
                await store.webhook(webhook.notification_id)]

    assert using(url, receive_twice) == [True, False, webhook]
    assert TokenStore(url, TokenCipher(KEY)).migrate() == (HEAD, HEAD)  # again: nothing to do


NEW_KEY = Fernet.generate_key().decode()
SELLERS = [SellerTokens(f"open-{n}", f"Seller {n}", "US", f"access-{n}", n, f"refresh-{n}", n)
           for n in range(7)]


def save_all(store, sellers=SELLERS):
    async def save():
        for seller in sellers:
            await store.save_seller(seller)
    return save()


def rotate_keys(database, *args):
    url = database if isinstance(database, str) else ""
    environ = {"TIKTOKSHOP_ENCRYPTION_KEY": f"{NEW_KEY},{KEY}", "TIKTOKSHOP_DATABASE_URL": url,
               "TIKTOKSHOP_DB_PATH": str(database)}
    return subprocess.run([sys.executable, "-m", "tiktokshop_backend", "rotate-keys", *args],
                          capture_output=True, text=True, env={**os.environ, **environ})


def test_rotate_keys_re_encrypts_every_token_under_the_first_key(database):
    using(database, save_all)
    foreign = Fernet.generate_key().decode()  # a seller whose key nobody has any more
    lost = SellerTokens("open-x", "Lost", "US", "a", 1, "r", 1)
    using(database, lambda store: store.save_seller(lost), key=foreign)

    first = rotate_keys(database, "--batch", "3")

    assert "Re-encrypted the tokens of 7 seller(s) under the first key" in first.stdout
    assert "0 already were" in first.stdout
    assert first.stdout.count("sellers checked") == 3  # 3 + 3 + 2 sellers
    assert first.returncode == 1  # the lost seller, said in one line and left as it was
    assert first.stderr.strip().splitlines() == [
        "tiktokshop_backend: 1 seller(s) have tokens that no key of TIKTOKSHOP_ENCRYPTION_KEY "
        "decrypts: left as they were (those sellers must connect again, or add the key that "
        "wrote them)"]
    assert using(database, lambda store: store.seller("open-x"), key=foreign) == lost

    async def read_all(store):
        return [await store.seller(seller.open_id) for seller in SELLERS]
    assert using(database, read_all, key=NEW_KEY) == SELLERS  # the old key is no longer needed

    again = rotate_keys(database)
    assert "Re-encrypted the tokens of 0 seller(s)" in again.stdout
    assert "7 already were" in again.stdout


def test_a_rotation_stopped_halfway_goes_on_where_it_was(database):
    using(database, save_all)

    class Stop(Exception):
        pass

    def stop(done):
        raise Stop

    with pytest.raises(Stop):
        using(database, lambda store: store.rotate_keys(batch=2, progress=stop),
              key=f"{NEW_KEY},{KEY}")
    done = using(database, lambda store: store.rotate_keys(batch=2), key=f"{NEW_KEY},{KEY}")
    assert (done.rotated, done.current, done.unreadable) == (5, 2, 0)


def test_a_row_the_backend_rewrites_during_rotation_keeps_the_backends_tokens(postgres):
    """On PostgreSQL the backend writes while rotate-keys runs: a row it rewrote between
    rotate-keys' read and write keeps the backend's new tokens."""
    url = postgres.create_database()
    TokenStore(url, None).migrate()
    using(url, save_all)
    refreshed = SellerTokens("open-3", "Seller 3", "US", "access-new", 99, "refresh-new", 3)
    new_first = TokenCipher(f"{NEW_KEY},{KEY}")

    class RefreshedMeanwhile(TokenCipher):
        """Rotating open-3's first token, the backend (another connection) refreshes it."""
        def rotate(self, blob):
            if new_first.decrypt(blob) == "access-3":
                with psycopg.connect(url, autocommit=True) as db:
                    db.execute("UPDATE sellers SET access_token = %s, refresh_token = %s, "
                               "access_expire_at = 99 WHERE open_id = 'open-3'",
                               (new_first.encrypt("access-new"), new_first.encrypt("refresh-new")))
            return super().rotate(blob)

    async def rotate():
        store = TokenStore(url, RefreshedMeanwhile(f"{NEW_KEY},{KEY}"))
        try:
            return await store.rotate_keys(batch=100)
        finally:
            await store.aclose()

    done = asyncio.run(rotate())
    assert (done.rotated, done.current) == (6, 1)  # open-3 was current once read again

    async def read_all(store):
        return [await store.seller(seller.open_id) for seller in SELLERS]
    expected = [refreshed if seller.open_id == "open-3" else seller for seller in SELLERS]
    assert using(url, read_all, key=NEW_KEY) == expected
