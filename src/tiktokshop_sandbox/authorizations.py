"""Sellers' authorizations of the sandbox app: auth codes, access and refresh tokens.

    auths = Authorizations(store, settings, clock)
    code = auths.grant(DEMO_SELLER.open_id, ["7495610000000000001"])   # Authorize clicked
    issued = auths.exchange_code(code)          # issued.access_token, .refresh_token, ...
    grant = auths.check_access_token(token)     # grant.shop_ids; PlatformError when refused
    auths.refresh(issued.refresh_token)         # a new access token
    auths.revoke(shop_ids=["7495610000000000001"])   # that seller must authorize again

One grant per (app, seller), covering every shop the seller ever picked for
that app (authorizing again adds shops). Codes live ``auth_code_ttl`` and work
once; access and refresh tokens expire on the sandbox clock. Refreshing gives a
new access token and keeps the refresh token and its expiry, as TikTok does.
Revoking kills refresh tokens only: access tokens already out run to their
expiry, then the seller has to reconnect. Everything sits in the store's SQLite
file as SHA-256 digests, never as the tokens themselves.
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from . import errors
from .errors import PlatformError
from .settings import SandboxSettings
from .store import ReturnsStore

AUTH_CODE, ACCESS_TOKEN, REFRESH_TOKEN = "auth_code", "access_token", "refresh_token"
MAX_CREDENTIAL_LENGTH = 512


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_token_expire_in: int  # absolute unix seconds, as TikTok names it
    refresh_token: str
    refresh_token_expire_in: int
    open_id: str


@dataclass(frozen=True)
class Grant:
    grant_id: int
    app_key: str
    open_id: str
    shop_ids: frozenset[str]


class Authorizations:
    def __init__(self, store: ReturnsStore, settings: SandboxSettings, clock):
        self.store = store
        self.settings = settings
        self.clock = clock

    def grant(self, open_id: str, shop_ids: Iterable[str]) -> str:
        """Record that the seller authorized the app for ``shop_ids``; the one-time auth code."""
        now = self._now()
        with self.store.writing() as db:
            db.execute("INSERT INTO grants (app_key, open_id, created_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (app_key, open_id) DO NOTHING",
                       (self.settings.app_key, open_id, now))
            grant_id = db.execute("SELECT grant_id FROM grants WHERE app_key = ? AND open_id = ?",
                                  (self.settings.app_key, open_id)).fetchone()[0]
            db.executemany("INSERT OR IGNORE INTO grant_shops VALUES (?, ?)",
                           [(grant_id, shop_id) for shop_id in shop_ids])
            return _mint(db, AUTH_CODE, grant_id, now + self.settings.auth_code_ttl)

    def exchange_code(self, code: str) -> IssuedTokens:
        """Tokens for a fresh, unused auth code (it is spent); AUTH_CODE_INVALID otherwise."""
        now = self._now()
        with self.store.writing() as db:
            row = _live(db, AUTH_CODE, code, now)
            if row is None:
                raise PlatformError.of(errors.AUTH_CODE_INVALID)
            db.execute("UPDATE credentials SET used_or_revoked = 1 WHERE digest = ?",
                       (row["digest"],))
            refresh_expiry = now + self.settings.refresh_token_ttl
            refresh_token = _mint(db, REFRESH_TOKEN, row["grant_id"], refresh_expiry)
            return self._with_access_token(db, row["grant_id"], refresh_token, refresh_expiry)

    def refresh(self, refresh_token: str) -> IssuedTokens:
        """A new access token for a live refresh token; REFRESH_TOKEN_INVALID otherwise."""
        with self.store.writing() as db:
            row = _live(db, REFRESH_TOKEN, refresh_token, self._now())
            if row is None:
                raise PlatformError.of(errors.REFRESH_TOKEN_INVALID)
            return self._with_access_token(db, row["grant_id"], refresh_token, row["expires_at"])

    def check_access_token(self, token: str | None) -> Grant:
        """The grant a live access token of this app stands for; PlatformError otherwise."""
        if not token or len(token) > MAX_CREDENTIAL_LENGTH:
            raise PlatformError.of(errors.ACCESS_TOKEN_INVALID)
        with self.store.reading() as db:
            row = db.execute(
                "SELECT c.*, g.app_key, g.open_id FROM credentials c JOIN grants g USING (grant_id)"
                " WHERE c.digest = ? AND c.kind = ?", (_digest(token), ACCESS_TOKEN)).fetchone()
            if row is None or row["used_or_revoked"] or row["app_key"] != self.settings.app_key:
                raise PlatformError.of(errors.ACCESS_TOKEN_INVALID)
            if row["expires_at"] <= self._now():
                raise PlatformError.of(errors.ACCESS_TOKEN_EXPIRED)
            shops = db.execute("SELECT shop_id FROM grant_shops WHERE grant_id = ?",
                               (row["grant_id"],))
            return Grant(row["grant_id"], row["app_key"], row["open_id"],
                         frozenset(shop["shop_id"] for shop in shops))

    def revoke(self, shop_ids: Iterable[str] | None = None) -> int:
        """Kill the refresh tokens of grants covering any of ``shop_ids`` (None: every
        grant); how many were live. Every shop those grants covered hears of it
        (SELLER_DEAUTHORIZATION), queued in the same transaction."""
        with self.store.writing() as db:
            where = "kind = ? AND used_or_revoked = 0"
            params: list = [REFRESH_TOKEN]
            if shop_ids is not None:
                shop_ids = list(shop_ids)
                where += (" AND grant_id IN (SELECT grant_id FROM grant_shops"
                          f" WHERE shop_id IN ({', '.join('?' * len(shop_ids))}))")
                params.extend(shop_ids)
            queued = []
            if self.store.events is not None:
                losing = db.execute(
                    "SELECT DISTINCT shop_id FROM grant_shops WHERE grant_id IN"
                    f" (SELECT grant_id FROM credentials WHERE {where}) ORDER BY shop_id", params)
                queued = self.store.events.deauthorizing(db, [row[0] for row in losing])
            revoked = db.execute(f"UPDATE credentials SET used_or_revoked = 1 WHERE {where}",
                                 params).rowcount
        self.store.after_commit(bool(queued))
        return revoked

    def _with_access_token(self, db, grant_id: int, refresh_token: str,
                           refresh_expiry: int) -> IssuedTokens:
        access_expiry = self._now() + self.settings.access_token_ttl
        access_token = _mint(db, ACCESS_TOKEN, grant_id, access_expiry)
        open_id = db.execute("SELECT open_id FROM grants WHERE grant_id = ?",
                             (grant_id,)).fetchone()[0]
        return IssuedTokens(access_token, access_expiry, refresh_token, refresh_expiry, open_id)

    def _now(self) -> int:
        return int(self.clock.now())


def _digest(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).hexdigest()


def _mint(db, kind: str, grant_id: int, expires_at: int) -> str:
    credential = secrets.token_urlsafe(32)
    db.execute("INSERT INTO credentials (digest, kind, grant_id, expires_at) VALUES (?, ?, ?, ?)",
               (_digest(credential), kind, grant_id, expires_at))
    return credential


def _live(db, kind: str, credential: str, now: int):
    """The row of an unused, unrevoked, unexpired credential of ``kind``, else None."""
    if not credential or len(credential) > MAX_CREDENTIAL_LENGTH:
        return None
    row = db.execute("SELECT * FROM credentials WHERE digest = ? AND kind = ?",
                     (_digest(credential), kind)).fetchone()
    if row is None or row["used_or_revoked"] or row["expires_at"] <= now:
        return None
    return row
