"""Sellers who connected TikTok Shop, their tokens and shops, in SQLite or PostgreSQL; tokens encrypted at rest.

    store = TokenStore(Path("backend.sqlite3"), TokenCipher(settings.encryption_key))
    store = TokenStore("postgresql://user:password@db:5432/tiktokshop", cipher)
    store.prepare()                                 # at start: reachable, schema current
    await store.save_seller(seller, [Shop(...)])    # after OAuth: tokens and authorized shops
    await store.save_seller(seller)                 # after a refresh: new tokens, same shops
    await store.save_sellers([(seller, [Shop(...)]), ...])   # many at once, one transaction
    await store.seller(open_id)                     # SellerTokens or None; store.shops(open_id)
    await store.sellers_expiring(now + 3600, now)   # open_ids whose access token expires by then
    await store.ping()                              # raises StoreUnavailable when unreachable
    await store.shop_owner(shop_id)                 # (open_id, Shop) or None: whose shop it is
    await store.remove_shop(shop_id, webhook=id)    # the seller deauthorized it (a webhook said)
    await store.receive_webhook(ReceivedWebhook(...))  # False: that notification id came before
    await store.webhooks_due(now)                   # pending ones whose next attempt is due
    await store.take_webhook(webhook, now, until)   # this process's attempt (False: another's)
    await store.webhook_done(id); await store.webhook_failed(webhook, retry_at)  # None: give up
    await store.prune_webhooks(before)              # done and failed ones received before then
    await store.rotate_keys()                       # every token under the first key
    await store.aclose()

Access and refresh tokens are Fernet tokens in the database (AES-128-CBC with
an HMAC, from ``cryptography``), keyed by ``TIKTOKSHOP_ENCRYPTION_KEY``; the
rest (names, regions, shop ciphers, expiries) is plain. Every change is one
transaction: a process killed at any moment leaves the last committed state,
never half a seller. A database that cannot be reached raises
``StoreUnavailable`` (the page hears 503), and the next call tries it again.
SQLAlchemy (asyncio) does the SQL; ``_database`` the engines and migrations.

TikTok's webhooks are recorded here too (``webhooks``, revision 0002): the
insert that records a delivery is the one that tells it from a duplicate (the
notification id is the key), so every process on every machine agrees, and a
delivery stays ``pending`` until its work is done, whoever dies meanwhile.
"""

import os
from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import (
    URL,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ._database import (
    UNAVAILABLE,
    WRITE,
    SchemaState,
    async_engine,
    database_url,
    describe,
    is_sqlite,
    schema_state,
    shown,
    sqlite_path,
    sync_engine,
    upgrade,
)

# The tables as migrations/ leaves them (revision 0002).
METADATA = MetaData()
SELLERS = Table(
    "sellers", METADATA,
    Column("open_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("access_token", LargeBinary, nullable=False),
    Column("access_expire_at", BigInteger, nullable=False),
    Column("refresh_token", LargeBinary, nullable=False),
    Column("refresh_expire_at", BigInteger, nullable=False),
)
SHOPS = Table(
    "shops", METADATA,
    Column("shop_id", Text, primary_key=True),
    Column("open_id", Text, ForeignKey("sellers.open_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("cipher", Text, nullable=False),
    Index("shops_by_seller", "open_id", "position"),
)
WEBHOOKS = Table(
    "webhooks", METADATA,
    Column("notification_id", Text, primary_key=True),
    Column("type", Integer, nullable=False),
    Column("shop_id", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("connect_url", Text, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("open_id", Text),
    Index("webhooks_due", "state", "next_attempt_at"),
    Index("webhooks_by_age", "received_at"),
)
ROTATION_BATCH = 100
# A webhook's states: its work to do (or under way), done, or given up.
PENDING, DONE, FAILED = "pending", "done", "failed"


class StoreUnreadable(Exception):
    """A stored token does not decrypt with the configured keys (a key was changed or lost)."""


class StoreUnavailable(Exception):
    """The database cannot be reached (down, restarting, refusing us); the message says
    why in one line without secrets."""


class SchemaNotCurrent(Exception):
    """The database's schema is not the one this backend needs; the message says what to do."""


@dataclass(frozen=True)
class Shop:
    """A shop a seller authorized: ``id``, ``name``, ``region`` and TikTok's ``cipher`` for it."""
    id: str
    name: str
    region: str
    cipher: str


@dataclass(frozen=True)
class SellerTokens:
    """A seller's TikTok tokens and their expiries (unix seconds); ``repr`` shows no token."""
    open_id: str
    name: str
    region: str
    access_token: str
    access_expire_at: int
    refresh_token: str
    refresh_expire_at: int

    def __repr__(self) -> str:  # never the tokens, wherever it is printed
        return (f"SellerTokens(open_id={self.open_id!r}, name={self.name!r}, "
                f"access_expire_at={self.access_expire_at}, "
                f"refresh_expire_at={self.refresh_expire_at})")


class TokenCipher:
    """Fernet over comma-separated keys: the first encrypts, any decrypts (key rotation)."""

    def __init__(self, keys: str):
        self._keys = [Fernet(key.strip()) for key in keys.split(",")]
        self._fernet = MultiFernet(self._keys)

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode()
        except InvalidToken:
            raise StoreUnreadable("a stored token does not decrypt with "
                                  "TIKTOKSHOP_ENCRYPTION_KEY: was the key changed?") from None

    def is_current(self, blob: bytes) -> bool:
        """Whether ``blob`` is encrypted under the first key."""
        try:
            self._keys[0].decrypt(blob)
        except InvalidToken:
            return False
        return True

    def rotate(self, blob: bytes) -> bytes:
        """``blob`` under the first key (StoreUnreadable if no key reads it)."""
        try:
            return self._fernet.rotate(blob)
        except InvalidToken:
            raise StoreUnreadable("a stored token does not decrypt with any key of "
                                  "TIKTOKSHOP_ENCRYPTION_KEY") from None


@dataclass(frozen=True)
class ReceivedWebhook:
    """A webhook delivery as recorded: TikTok's ``body`` as it came (signed), where the
    seller's pages reconnect, and its work's state. ``attempts`` counts the attempts
    begun; ``next_attempt_at`` (unix seconds) is when a pending one may be taken again
    (while an attempt runs: when it is presumed dead). ``open_id``: the seller a
    deauthorization took the shop from, noted for a retry."""
    notification_id: str
    type: int
    shop_id: str
    body: str
    connect_url: str
    received_at: int
    state: str = PENDING
    attempts: int = 1
    next_attempt_at: int = 0
    open_id: str | None = None


@dataclass
class Rotation:
    """What ``rotate_keys`` did, in rows (sellers)."""
    rotated: int = 0      # re-encrypted under the first key
    current: int = 0      # already under it
    unreadable: int = 0   # under no key given: left as they were


def known_schema(db) -> SchemaState:
    """The schema's state, unless a newer backend migrated it (SchemaNotCurrent)."""
    state = schema_state(db)
    if not state.known:
        raise SchemaNotCurrent(f"the database's schema is at revision {state.current}, newer "
                               f"than this backend knows (up to {state.head}): upgrade "
                               "tiktokshop-backend")
    return state


class TokenStore:
    """The connected sellers and their shops in the database ``database`` names (a
    path: a SQLite file), tokens encrypted with ``cipher``; safe against a process
    killed mid-write."""

    def __init__(self, database: "str | URL | os.PathLike", cipher: TokenCipher):
        self.url = database if isinstance(database, URL) else database_url(database)
        self.cipher = cipher
        self.engine = async_engine(self.url)
        self._dialect = sqlite if is_sqlite(self.url) else postgresql

    def __repr__(self) -> str:
        return f"TokenStore({shown(self.url)!r})"

    def prepare(self) -> None:
        """At start, before serving: the database answers and its schema is current.

        A SQLite file (made now if absent, readable by this user only, in a folder
        that must exist) is upgraded in place; a PostgreSQL schema that is not
        current is SchemaNotCurrent (``python -m tiktokshop_backend migrate``
        upgrades it). An unreachable database is StoreUnavailable.
        """
        path = self._sqlite_file()
        with self._schema_transaction() as db:
            state = known_schema(db)
            if state.up_to_date:
                return
            if path is None:
                raise SchemaNotCurrent(
                    f"the database's schema is at revision {state.current or 'none'}, this "
                    f"backend needs {state.head}: run python -m tiktokshop_backend migrate")
            upgrade(db)

    def migrate(self) -> tuple[str | None, str]:
        """Upgrade the schema to this backend's (``python -m tiktokshop_backend migrate``);
        the revisions before and after. Safe to run again, and beside running backends."""
        self._sqlite_file()
        with self._schema_transaction() as db:
            before = known_schema(db)
            upgrade(db)
            return before.current, schema_state(db).current

    @contextmanager
    def _schema_transaction(self):
        """One transaction through the driver's blocking side (the start and the commands
        run before or outside any event loop); concurrent ones take turns."""
        engine = sync_engine(self.url)
        try:
            with engine.connect() as db, db.execution_options(**{WRITE: True}).begin():
                yield db
        except UNAVAILABLE as error:
            raise StoreUnavailable(f"cannot use the database at {shown(self.url)}: "
                                   f"{describe(error)}") from None
        finally:
            engine.dispose()

    def _sqlite_file(self) -> Path | None:
        """A SQLite store's file, made readable by this user only if new (SQLite gives its
        -wal and -shm files the same mode); None for a database server."""
        path = sqlite_path(self.url)
        if path is not None:
            if not path.parent.is_dir():
                raise StoreUnavailable(f"the folder {path.parent} does not exist")
            path.touch(mode=0o600, exist_ok=True)
        return path

    @asynccontextmanager
    async def _transaction(self, write: bool = False):
        try:
            async with self.engine.connect() as db:
                if write:
                    db = await db.execution_options(**{WRITE: True})
                async with db.begin():
                    yield db
        except UNAVAILABLE as error:
            raise StoreUnavailable(f"the database is unavailable: {describe(error)}") from None

    async def save_seller(self, seller: SellerTokens, shops: Iterable[Shop] | None = None) -> None:
        """Store the seller's tokens and, when given, make ``shops`` its shops in this
        order (a shop moves to its new seller), all in one transaction."""
        await self.save_sellers([(seller, shops)])

    async def save_sellers(self, sellers: Iterable[tuple[SellerTokens, Iterable[Shop] | None]]
                           ) -> None:
        """``save_seller`` for each (seller, shops), all in one transaction (an import)."""
        async with self._transaction(write=True) as db:
            for seller, shops in sellers:
                await self._save(db, seller, shops)

    async def _save(self, db: AsyncConnection, seller: SellerTokens,
                    shops: Iterable[Shop] | None) -> None:
        row = {"open_id": seller.open_id, "name": seller.name, "region": seller.region,
               "access_token": self.cipher.encrypt(seller.access_token),
               "access_expire_at": seller.access_expire_at,
               "refresh_token": self.cipher.encrypt(seller.refresh_token),
               "refresh_expire_at": seller.refresh_expire_at}
        await db.execute(self._upsert(SELLERS, "open_id"), row)
        if shops is None:
            return
        await db.execute(delete(SHOPS).where(SHOPS.c.open_id == seller.open_id))
        rows = [{"shop_id": shop.id, "open_id": seller.open_id, "position": position,
                 "name": shop.name, "region": shop.region, "cipher": shop.cipher}
                for position, shop in enumerate(shops)]
        if rows:
            await db.execute(self._upsert(SHOPS, "shop_id"), rows)

    def _upsert(self, table: Table, key: str):
        insert = self._dialect.insert(table)
        return insert.on_conflict_do_update(
            index_elements=[key],
            set_={column.name: insert.excluded[column.name]
                  for column in table.columns if column.name != key})

    async def seller(self, open_id: str) -> SellerTokens | None:
        async with self._transaction() as db:
            row = (await db.execute(select(SELLERS).where(SELLERS.c.open_id == open_id))).first()
        if row is None:
            return None
        return SellerTokens(row.open_id, row.name, row.region,
                            self.cipher.decrypt(row.access_token), row.access_expire_at,
                            self.cipher.decrypt(row.refresh_token), row.refresh_expire_at)

    async def shops(self, open_id: str) -> list[Shop]:
        async with self._transaction() as db:
            rows = await db.execute(select(SHOPS.c.shop_id, SHOPS.c.name, SHOPS.c.region,
                                           SHOPS.c.cipher)
                                    .where(SHOPS.c.open_id == open_id)
                                    .order_by(SHOPS.c.position))
            return [Shop(*row) for row in rows]

    async def sellers(self) -> list[str]:
        async with self._transaction() as db:
            return list((await db.execute(select(SELLERS.c.open_id)
                                          .order_by(SELLERS.c.open_id))).scalars())

    async def shop_owner(self, shop_id: str) -> tuple[str, Shop] | None:
        """The seller who connected ``shop_id``, and the shop; None for a shop nobody has."""
        async with self._transaction() as db:
            row = (await db.execute(select(SHOPS.c.open_id, SHOPS.c.shop_id, SHOPS.c.name,
                                           SHOPS.c.region, SHOPS.c.cipher)
                                    .where(SHOPS.c.shop_id == shop_id))).first()
        return None if row is None else (row[0], Shop(*row[1:]))

    async def remove_shop(self, shop_id: str, webhook: str | None = None) -> str | None:
        """Forget ``shop_id`` (its authorization was removed); the seller who had it, if any,
        noted in the same transaction on the ``webhook`` (its notification id) that said so."""
        async with self._transaction(write=True) as db:
            row = (await db.execute(delete(SHOPS).where(SHOPS.c.shop_id == shop_id)
                                    .returning(SHOPS.c.open_id))).first()
            if row is not None and webhook is not None:
                await db.execute(update(WEBHOOKS).where(WEBHOOKS.c.notification_id == webhook)
                                 .values(open_id=row[0]))
        return None if row is None else row[0]

    async def receive_webhook(self, webhook: ReceivedWebhook) -> bool:
        """Record a delivery, in one insert; False (nothing written) if its notification id
        was received before: a duplicate, whichever process or machine received the first."""
        row = {column.name: getattr(webhook, column.name) for column in WEBHOOKS.columns}
        insert = (self._dialect.insert(WEBHOOKS).values(row)
                  .on_conflict_do_nothing(index_elements=["notification_id"])
                  .returning(WEBHOOKS.c.notification_id))
        async with self._transaction(write=True) as db:
            return (await db.execute(insert)).first() is not None

    async def webhook(self, notification_id: str) -> ReceivedWebhook | None:
        async with self._transaction() as db:
            row = (await db.execute(select(WEBHOOKS).where(
                WEBHOOKS.c.notification_id == notification_id))).first()
        return None if row is None else ReceivedWebhook(**row._mapping)

    async def webhooks_due(self, now: int, limit: int = 100) -> list[ReceivedWebhook]:
        """Pending webhooks whose next attempt is due at ``now``, the longest due first."""
        async with self._transaction() as db:
            rows = await db.execute(select(WEBHOOKS).where(
                WEBHOOKS.c.state == PENDING, WEBHOOKS.c.next_attempt_at <= now)
                .order_by(WEBHOOKS.c.next_attempt_at).limit(limit))
            return [ReceivedWebhook(**row._mapping) for row in rows]

    async def take_webhook(self, webhook: ReceivedWebhook, now: int, until: int
                           ) -> ReceivedWebhook | None:
        """Begin another attempt at ``webhook`` (as ``webhooks_due`` read it), presumed dead
        after ``until``: the webhook as taken, or None if another process took it first."""
        async with self._transaction(write=True) as db:
            taken = await db.execute(update(WEBHOOKS).where(
                WEBHOOKS.c.notification_id == webhook.notification_id,
                WEBHOOKS.c.state == PENDING, WEBHOOKS.c.attempts == webhook.attempts,
                WEBHOOKS.c.next_attempt_at <= now)
                .values(attempts=webhook.attempts + 1, next_attempt_at=until))
            if taken.rowcount != 1:
                return None
        return replace(webhook, attempts=webhook.attempts + 1, next_attempt_at=until)

    async def webhook_done(self, notification_id: str) -> None:
        await self._set_webhook(WEBHOOKS.c.notification_id == notification_id, state=DONE)

    async def webhook_failed(self, webhook: ReceivedWebhook, retry_at: int | None) -> bool:
        """``webhook``'s attempt failed: try again at ``retry_at``, or (None) give up; unless
        a later attempt was begun meanwhile (this one outlived its lease), which decides
        (False)."""
        return await self._set_webhook(
            WEBHOOKS.c.notification_id == webhook.notification_id,
            WEBHOOKS.c.attempts == webhook.attempts,
            **({"state": FAILED} if retry_at is None else {"next_attempt_at": retry_at}))

    async def _set_webhook(self, *where, **values) -> bool:
        async with self._transaction(write=True) as db:
            return (await db.execute(update(WEBHOOKS).where(WEBHOOKS.c.state == PENDING, *where)
                                     .values(**values))).rowcount == 1

    async def prune_webhooks(self, before: int) -> int:
        """Forget the done and failed webhooks received before ``before``; how many."""
        async with self._transaction(write=True) as db:
            return (await db.execute(delete(WEBHOOKS).where(
                WEBHOOKS.c.state != PENDING, WEBHOOKS.c.received_at < before))).rowcount

    async def sellers_expiring(self, before: int, now: int) -> list[str]:
        """The sellers whose access token expires at ``before`` or earlier and whose refresh
        token is live at ``now`` (unix seconds): those a refresh can help, soonest first."""
        async with self._transaction() as db:
            return list((await db.execute(
                select(SELLERS.c.open_id)
                .where(SELLERS.c.access_expire_at <= before, SELLERS.c.refresh_expire_at > now)
                .order_by(SELLERS.c.access_expire_at))).scalars())

    async def ping(self) -> None:
        """One trivial query: StoreUnavailable when the database cannot be reached."""
        async with self._transaction() as db:
            await db.execute(select(SELLERS.c.open_id).limit(1))

    async def rotate_keys(self, batch: int = ROTATION_BATCH,
                          progress: Callable[[Rotation], None] | None = None) -> Rotation:
        """Re-encrypt every stored token under the cipher's first key, ``batch`` sellers
        per transaction, ``progress`` told after each. Stopped at any point and run
        again, it finds the rows done current and goes on. A row is replaced only as
        it was read: one the backend rewrote meanwhile is read again and rotated anew."""
        done = Rotation()
        after = None
        while True:
            async with self._transaction(write=True) as db:
                rows = (await db.execute(self._rotation_batch(after, batch))).all()
                for row in rows:
                    while row is not None and not await self._rotate_row(db, row, done):
                        row = (await db.execute(self._rotation_batch(row.open_id, 1,
                                                                     exactly=True))).first()
            if not rows:
                return done
            after = rows[-1].open_id
            if progress:
                progress(done)

    @staticmethod
    def _rotation_batch(after: str | None, batch: int, exactly: bool = False):
        query = select(SELLERS.c.open_id, SELLERS.c.access_token, SELLERS.c.refresh_token)
        if exactly:
            query = query.where(SELLERS.c.open_id == after)
        elif after is not None:
            query = query.where(SELLERS.c.open_id > after)
        return query.order_by(SELLERS.c.open_id).limit(batch)

    async def _rotate_row(self, db: AsyncConnection, row, done: Rotation) -> bool:
        """Rotate one row, counted in ``done``; False if the backend changed it meanwhile."""
        blobs = (bytes(row.access_token), bytes(row.refresh_token))
        if all(self.cipher.is_current(blob) for blob in blobs):
            done.current += 1
            return True
        try:
            access, refresh = (self.cipher.rotate(blob) for blob in blobs)
        except StoreUnreadable:
            done.unreadable += 1
            return True
        changed = await db.execute(
            update(SELLERS)
            .where(SELLERS.c.open_id == row.open_id, SELLERS.c.access_token == blobs[0],
                   SELLERS.c.refresh_token == blobs[1])
            .values(access_token=access, refresh_token=refresh))
        if changed.rowcount != 1:
            return False
        done.rotated += 1
        return True

    async def aclose(self) -> None:
        await self.engine.dispose()
