"""TikTok's events for the ISV app: who is subscribed where, and what goes in the outbox.

    events = Events(settings, clock)
    with store.writing() as db:
        events.subscribe(db, shop_id, "RETURN_STATUS_CHANGE", "https://isv.example/hooks")
        events.return_changed(db, return_id, role="SELLER")   # queued with the change

The Event API's subscriptions (``webhooks``: one address per app, shop and event
type) and the outbox every delivery starts from (``webhook_deliveries``, sent
by ``webhooks.WebhookSender``). Events are queued in the very transaction that
makes the change they tell of, so a change committed is a delivery queued, and
a crash loses neither.

An event of a shop goes to the address the shop's subscription of that event
type names, else to the app's own webhook address (``settings.webhook_url``,
what TikTok's Partner Center keeps per app), else nowhere; and only while the
shop is authorized for the app (a grant covering it still has a refresh token
that is neither revoked nor expired), except SELLER_DEAUTHORIZATION, queued
just before the authorization goes. Bodies are open-api.md's, as compact JSON:
``{"type", "tts_notification_id", "shop_id", "timestamp", "data"}``.
"""

import ipaddress
import json
import secrets
import sqlite3
from urllib.parse import urlsplit

from tiktokshop_protocol import (
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    WEBHOOK_EVENT_TYPES,
)

from .settings import SandboxSettings

MAX_ADDRESS_LENGTH = 1000
EVENT_NAMES = {number: name for name, number in WEBHOOK_EVENT_TYPES.items()}
SCHEMA = """
CREATE TABLE IF NOT EXISTS webhooks (
    app_key TEXT NOT NULL,
    shop_id TEXT NOT NULL,
    event_type INTEGER NOT NULL,
    address TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (app_key, shop_id, event_type)
);
-- The outbox: one row per delivery of an event (a duplicate is a row of its own).
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    delivery_id INTEGER PRIMARY KEY,
    notification_id TEXT NOT NULL,
    event_type INTEGER NOT NULL,
    shop_id TEXT NOT NULL,
    address TEXT NOT NULL,
    body BLOB NOT NULL,             -- the exact bytes sent, and signed, at every attempt
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending, delivered or expired
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due
    ON webhook_deliveries (state, next_attempt_at);
-- Expirations already announced (UPCOMING_AUTHORIZATION_EXPIRATION), once each.
CREATE TABLE IF NOT EXISTS expiration_notices (
    grant_id INTEGER NOT NULL,
    shop_id TEXT NOT NULL,
    expiration_time INTEGER NOT NULL,
    PRIMARY KEY (grant_id, shop_id, expiration_time)
)
"""
TABLES = ("expiration_notices", "webhook_deliveries", "webhooks")
LOOPBACK_NAMES = ("localhost",)


class BadAddress(ValueError):
    """A webhook address TikTok would not take; the message says why."""


def check_address(address) -> str:
    """``address`` if TikTok would deliver to it: https, or plain http to this machine
    (what open-api.md allows in development); BadAddress otherwise."""
    if not isinstance(address, str) or not address:
        raise BadAddress("address must be the URL of your webhook endpoint")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise BadAddress(f"address must be at most {MAX_ADDRESS_LENGTH} characters")
    try:
        parts = urlsplit(address)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise BadAddress(f"address {address[:100]!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadAddress(f"address {address[:100]!r} must be an https:// URL")
    if parts.scheme == "http" and not _loopback(host):
        raise BadAddress(f"address {address[:100]!r} must be https:// (plain http only "
                         "to localhost, 127.0.0.1 or ::1)")
    return address


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Events:
    def __init__(self, settings: SandboxSettings, clock):
        self.settings = settings
        self.clock = clock

    # -- the Event API's subscriptions -------------------------------------------

    def subscriptions(self, db: sqlite3.Connection, shop_id: str) -> list[dict]:
        rows = db.execute("SELECT * FROM webhooks WHERE app_key = ? AND shop_id = ?"
                          " ORDER BY event_type", (self.settings.app_key, shop_id))
        return [{"event_type": EVENT_NAMES[row["event_type"]], "address": row["address"],
                 "create_time": row["create_time"], "update_time": row["update_time"]}
                for row in rows]

    def subscribe(self, db: sqlite3.Connection, shop_id: str, event_name: str,
                  address: str) -> None:
        now = int(self.clock.now())
        db.execute(
            "INSERT INTO webhooks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_key, shop_id,"
            " event_type) DO UPDATE SET address = excluded.address,"
            " update_time = excluded.update_time",
            (self.settings.app_key, shop_id, WEBHOOK_EVENT_TYPES[event_name],
             check_address(address), now, now))

    def unsubscribe(self, db: sqlite3.Connection, shop_id: str, event_name: str) -> bool:
        """Whether there was a subscription to remove."""
        deleted = db.execute(
            "DELETE FROM webhooks WHERE app_key = ? AND shop_id = ? AND event_type = ?",
            (self.settings.app_key, shop_id, WEBHOOK_EVENT_TYPES[event_name]))
        return deleted.rowcount > 0

    # -- what happens, queued with the change ------------------------------------

    def return_changed(self, db: sqlite3.Connection, return_id: str, role: str) -> int | None:
        """RETURN_STATUS_CHANGE for the return as it now is (``role``: BUYER or SELLER)."""
        row = db.execute("SELECT * FROM returns WHERE return_id = ?", (return_id,)).fetchone()
        return self._queue(db, RETURN_STATUS_CHANGE, row["shop_id"], {
            "order_id": row["order_id"], "return_id": row["return_id"], "return_role": role,
            "return_type": row["return_type"], "return_status": row["return_status"],
            "create_time": row["create_time"], "update_time": row["update_time"]})

    def deauthorizing(self, db: sqlite3.Connection, shop_ids) -> list[int]:
        """SELLER_DEAUTHORIZATION for each of ``shop_ids`` still authorized: call it
        before the authorization goes, in the same transaction."""
        return [delivery for shop_id in shop_ids if (delivery := self._queue(
            db, SELLER_DEAUTHORIZATION, shop_id,
            {"message": f"The seller removed the authorization of app "
                        f"{self.settings.app_key} for shop {shop_id}."}))]

    def expiring(self, db: sqlite3.Connection) -> list[int]:
        """UPCOMING_AUTHORIZATION_EXPIRATION, once per shop and expiration, for every
        authorization that ends within ``settings.expiration_notice`` of now."""
        now = int(self.clock.now())
        rows = db.execute(
            "SELECT gs.grant_id, gs.shop_id, MAX(c.expires_at) AS expiration_time"
            " FROM grant_shops gs JOIN grants g USING (grant_id)"
            " JOIN credentials c ON c.grant_id = gs.grant_id AND c.kind = 'refresh_token'"
            "  AND c.used_or_revoked = 0 AND c.expires_at > ?"
            " WHERE g.app_key = ? GROUP BY gs.grant_id, gs.shop_id"
            " HAVING MAX(c.expires_at) <= ?",
            (now, self.settings.app_key, now + self.settings.expiration_notice)).fetchall()
        queued = []
        for row in rows:
            fresh = db.execute("INSERT OR IGNORE INTO expiration_notices VALUES (?, ?, ?)",
                               (row["grant_id"], row["shop_id"], row["expiration_time"]))
            if fresh.rowcount and (delivery := self._queue(
                    db, UPCOMING_AUTHORIZATION_EXPIRATION, row["shop_id"], {
                        "message": f"The authorization of app {self.settings.app_key} for "
                                   f"shop {row['shop_id']} expires soon: ask the seller to "
                                   "authorize it again.",
                        "expiration_time": row["expiration_time"]})):
                queued.append(delivery)
        return queued

    def next_expiration_notice(self, db: sqlite3.Connection) -> float | None:
        """When ``expiring`` will next have something to say (sandbox clock), if ever."""
        notice = self.settings.expiration_notice
        row = db.execute(
            "SELECT MIN(expires_at) FROM credentials c JOIN grants g USING (grant_id)"
            " WHERE c.kind = 'refresh_token' AND c.used_or_revoked = 0 AND c.expires_at > ?"
            " AND g.app_key = ?", (int(self.clock.now()) + notice, self.settings.app_key)
        ).fetchone()
        return None if row[0] is None else row[0] - notice

    # -- internals -------------------------------------------------------------------

    def _queue(self, db: sqlite3.Connection, event_type: int, shop_id: str,
               data: dict) -> int | None:
        """The new delivery's id, or None when nobody is to hear of it."""
        address = self._address(db, event_type, shop_id)
        if address is None:
            return None
        now = self.clock.now()
        notification_id = str(7_000_000_000_000_000_000 + secrets.randbelow(10**18))
        body = json.dumps({"type": event_type, "tts_notification_id": notification_id,
                           "shop_id": shop_id, "timestamp": int(now), "data": data},
                          separators=(",", ":"), ensure_ascii=False).encode()
        return db.execute(
            "INSERT INTO webhook_deliveries (notification_id, event_type, shop_id, address, body,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING delivery_id",
            (notification_id, event_type, shop_id, address, body, now, now)).fetchone()[0]

    def _address(self, db: sqlite3.Connection, event_type: int, shop_id: str) -> str | None:
        authorized = db.execute(
            "SELECT 1 FROM grant_shops gs JOIN grants g USING (grant_id)"
            " JOIN credentials c ON c.grant_id = gs.grant_id AND c.kind = 'refresh_token'"
            " WHERE gs.shop_id = ? AND g.app_key = ? AND c.used_or_revoked = 0"
            " AND c.expires_at > ? LIMIT 1",
            (shop_id, self.settings.app_key, int(self.clock.now()))).fetchone()
        if authorized is None:
            return None
        row = db.execute("SELECT address FROM webhooks WHERE app_key = ? AND shop_id = ?"
                         " AND event_type = ?",
                         (self.settings.app_key, shop_id, event_type)).fetchone()
        return row["address"] if row else self.settings.webhook_url
