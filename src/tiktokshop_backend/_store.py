"""Sellers who connected TikTok Shop, their tokens and shops, in SQLite; tokens encrypted at rest.

    store = TokenStore(Path("backend.sqlite3"), TokenCipher(settings.encryption_key))
    store.save_seller(seller, [Shop(...)])    # after OAuth: tokens and authorized shops
    store.save_seller(seller)                 # after a refresh: new tokens, same shops
    store.seller(open_id)                     # SellerTokens or None; store.shops(open_id)
    store.shop_owner(shop_id)                 # (open_id, Shop) or None: whose shop it is
    store.remove_shop(shop_id)                # the seller deauthorized it (a webhook said)

Access and refresh tokens are Fernet tokens in the file (AES-128-CBC with an
HMAC, from ``cryptography``), keyed by ``TIKTOKSHOP_ENCRYPTION_KEY``; the rest
(names, regions, shop ciphers, expiries) is plain. The database runs in WAL
mode with full syncs, and every change is one transaction: a process killed
at any moment leaves the last committed state, never half a seller.

Calls are blocking and quick; async code runs them in a thread (``asyncio.to_thread``).
"""

import sqlite3
from collections.abc import Iterable
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SCHEMA = """
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


class StoreUnreadable(Exception):
    """A stored token does not decrypt with the configured keys (a key was changed or lost)."""


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
        self._fernet = MultiFernet([Fernet(key.strip()) for key in keys.split(",")])

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode()
        except InvalidToken:
            raise StoreUnreadable("a stored token does not decrypt with "
                                  "TIKTOKSHOP_ENCRYPTION_KEY: was the key changed?") from None


class TokenStore:
    """The connected sellers and their shops in SQLite at ``path``, tokens encrypted
    with ``cipher``; safe against a process killed mid-write."""
    def __init__(self, path: Path, cipher: TokenCipher):
        self.path = Path(path)
        self.cipher = cipher
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by this user only (SQLite gives its -wal and -shm files the same mode).
        self.path.touch(mode=0o600, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")  # kept by the file from now on
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    @contextmanager
    def _transaction(self):
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def save_seller(self, seller: SellerTokens, shops: Iterable[Shop] | None = None) -> None:
        """Store the seller's tokens and, when given, make ``shops`` its shops in this
        order (a shop moves to its new seller), all in one transaction."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sellers VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(open_id) DO UPDATE "
                "SET name=excluded.name, region=excluded.region, access_token=excluded.access_token,"
                " access_expire_at=excluded.access_expire_at, refresh_token=excluded.refresh_token,"
                " refresh_expire_at=excluded.refresh_expire_at",
                (seller.open_id, seller.name, seller.region,
                 self.cipher.encrypt(seller.access_token), seller.access_expire_at,
                 self.cipher.encrypt(seller.refresh_token), seller.refresh_expire_at))
            if shops is None:
                return
            db.execute("DELETE FROM shops WHERE open_id = ?", (seller.open_id,))
            db.executemany(
                "INSERT INTO shops VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(shop_id) DO UPDATE "
                "SET open_id=excluded.open_id, position=excluded.position, name=excluded.name,"
                " region=excluded.region, cipher=excluded.cipher",
                [(shop.id, seller.open_id, position, shop.name, shop.region, shop.cipher)
                 for position, shop in enumerate(shops)])

    def seller(self, open_id: str) -> SellerTokens | None:
        with self._transaction() as db:
            row = db.execute("SELECT * FROM sellers WHERE open_id = ?", (open_id,)).fetchone()
        if row is None:
            return None
        return SellerTokens(row[0], row[1], row[2], self.cipher.decrypt(row[3]), row[4],
                            self.cipher.decrypt(row[5]), row[6])

    def shops(self, open_id: str) -> list[Shop]:
        with self._transaction() as db:
            rows = db.execute("SELECT shop_id, name, region, cipher FROM shops WHERE open_id = ? "
                              "ORDER BY position", (open_id,)).fetchall()
        return [Shop(*row) for row in rows]

    def sellers(self) -> list[str]:
        with self._transaction() as db:
            return [row[0] for row in db.execute("SELECT open_id FROM sellers ORDER BY open_id")]

    def shop_owner(self, shop_id: str) -> tuple[str, Shop] | None:
        """The seller who connected ``shop_id``, and the shop; None for a shop nobody has."""
        with self._transaction() as db:
            row = db.execute("SELECT open_id, shop_id, name, region, cipher FROM shops "
                             "WHERE shop_id = ?", (shop_id,)).fetchone()
        return None if row is None else (row[0], Shop(*row[1:]))

    def remove_shop(self, shop_id: str) -> str | None:
        """Forget ``shop_id`` (its authorization was removed); the seller who had it, if any."""
        with self._transaction() as db:
            row = db.execute("DELETE FROM shops WHERE shop_id = ? RETURNING open_id",
                             (shop_id,)).fetchone()
        return None if row is None else row[0]
