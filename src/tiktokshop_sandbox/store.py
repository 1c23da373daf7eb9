"""The sandbox's return & refund data in SQLite: shops, returns and seller decisions.

    store = ReturnsStore(Path(".data/sandbox.sqlite3"), clock=Clock())
    store.seed_if_empty()
    page = store.search_returns("7495610000000000001", statuses=[REQUEST_PENDING])
    result = store.decide("7495610000000000001", DecisionRequest(
        return_id=page.return_orders[0]["return_id"], decision="APPROVE_REFUND",
        idempotency_key="3f1c...",
    ))

Every call opens its own connection (the API calls it from worker threads), so
the store is safe to share between threads and processes. The database runs in
WAL mode, so searches never wait for a decision being written. A decision runs
in one ``BEGIN IMMEDIATE`` transaction, which makes concurrent decisions on the
same return take turns: the first one changes the status, the others find the
return no longer pending. The status change is also a conditional UPDATE and
``decisions`` has one row at most per return and status, so even a writer that
skipped the lock could not record a second decision.

Returns come out as dicts with the field names of TikTok's Return & Refund API,
ready for the API to send. The same file holds the sellers' authorizations
(``authorizations``) and the webhooks' subscriptions and outbox (``events``):
one schema, one version, one reset. With ``events``, every change of a return
(a new request, a decision, a cancellation) queues its RETURN_STATUS_CHANGE
in the transaction that makes it, and ``on_queued`` is called once it is
committed (the sender wakes up).
"""

import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import events as events_schema
from . import model, seed
from .model import Shop

# Bump when the tables change: an older database is then dropped and seeded anew.
SCHEMA_VERSION = 2
# How long a writer waits for another one to commit (50 concurrent decisions
# take well under a second; the margin covers slow disks).
BUSY_TIMEOUT_S = 30.0

# Run one statement at a time, split on semicolons: keep them out of comments.
SCHEMA = """
CREATE TABLE shops (
    shop_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    currency TEXT NOT NULL,
    cipher TEXT NOT NULL UNIQUE
);
CREATE TABLE returns (
    return_id TEXT PRIMARY KEY,
    shop_id TEXT NOT NULL REFERENCES shops,
    order_id TEXT NOT NULL,
    return_type TEXT NOT NULL,
    return_status TEXT NOT NULL,
    return_reason TEXT NOT NULL,
    return_reason_text TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    -- When the seller must have answered by (NULL when nothing waits on the seller).
    respond_by INTEGER,
    currency TEXT NOT NULL,
    refund_subtotal TEXT NOT NULL,
    refund_shipping_fee TEXT NOT NULL,
    refund_tax TEXT NOT NULL,
    refund_total TEXT NOT NULL
);
CREATE INDEX returns_newest_first ON returns (shop_id, create_time DESC, return_id DESC);
CREATE TABLE return_line_items (
    return_id TEXT NOT NULL REFERENCES returns,
    position INTEGER NOT NULL,
    sku_id TEXT NOT NULL,
    product_name TEXT NOT NULL,
    sku_name TEXT NOT NULL,
    seller_sku TEXT NOT NULL,
    refund_total TEXT NOT NULL,
    PRIMARY KEY (return_id, position)
);
CREATE TABLE decisions (
    decision_id INTEGER PRIMARY KEY,
    shop_id TEXT NOT NULL REFERENCES shops,
    return_id TEXT NOT NULL REFERENCES returns,
    decided_status TEXT NOT NULL,   -- the status the return was in when decided
    new_status TEXT NOT NULL,
    decision TEXT NOT NULL,
    reject_reason TEXT,
    comment TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL,
    idempotency_key TEXT,           -- NULL for seeded history
    UNIQUE (return_id, decided_status),
    UNIQUE (shop_id, idempotency_key)
);
-- A seller's authorization of an app, and the shops it covers (authorizations.py).
CREATE TABLE grants (
    grant_id INTEGER PRIMARY KEY,
    app_key TEXT NOT NULL,
    open_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (app_key, open_id)
);
CREATE TABLE grant_shops (
    grant_id INTEGER NOT NULL REFERENCES grants,
    shop_id TEXT NOT NULL REFERENCES shops,
    PRIMARY KEY (grant_id, shop_id)
);
-- Codes and tokens are kept as SHA-256 digests: the sandbox checks them, it
-- never needs them back, and a copy of the file opens nothing.
CREATE TABLE credentials (
    digest TEXT PRIMARY KEY,
    kind TEXT NOT NULL,             -- auth_code, access_token or refresh_token
    grant_id INTEGER NOT NULL REFERENCES grants,
    expires_at INTEGER NOT NULL,
    used_or_revoked INTEGER NOT NULL DEFAULT 0
);
"""
TABLES = (*events_schema.TABLES, "credentials", "grant_shops", "grants", "decisions",
          "return_line_items", "returns", "shops")
# Who may sort searches by what (column names go into SQL: only these).
SORT_FIELDS = ("create_time", "update_time")
TIME_BOUNDS = {">=": ">=", "<": "<"}


@dataclass(frozen=True)
class DecisionRequest:
    return_id: str
    decision: str
    idempotency_key: str
    reject_reason: str | None = None
    comment: str = ""


@dataclass(frozen=True)
class ReturnsPage:
    return_orders: list[dict]
    total_count: int
    # (create_time, return_id) of the last order on this page, if more follow.
    next_cursor: tuple[int, str] | None


class ReturnNotFound(LookupError):
    """No such return in this shop (another shop's returns count as absent)."""


class ReturnNotPending(Exception):
    """The return is not waiting for this decision (any more)."""

    def __init__(self, return_id: str, status: str):
        super().__init__(f"return {return_id} is no longer pending (status {status})")
        self.status = status


class DecisionNotApplicable(ValueError):
    """The decision or reject reason does not fit this return (a client error, not a race)."""


class IdempotencyKeyReused(Exception):
    """The idempotency key was already used for a different decision."""


class ReturnsStore:
    def __init__(self, db_path: Path, clock=None, events=None):
        self.db_path = Path(db_path)
        self._now = time.time if clock is None else clock.now
        self.events = events  # an events.Events, or None: no webhooks
        self.on_queued = _nothing
        with closing(self._connect()) as db:
            # WAL is a property of the database file: set once, kept by every connection.
            db.execute("PRAGMA journal_mode = WAL")
            with self._transaction(db, "IMMEDIATE"):  # one process migrates, others wait
                if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    self._create_schema(db)
                # Tables added since version 2 are only ever added: no version bump.
                _run_schema(db, events_schema.SCHEMA)

    def reset(self) -> None:
        """Delete every shop, return and decision; the next ``seed_if_empty`` seeds again."""
        with self.writing() as db:
            self._create_schema(db)

    def seed_if_empty(self, now: int | None = None) -> bool:
        """Fill an empty database with the sandbox's shops and returns; True if it did.

        Timestamps are relative to ``now`` (default: the store's clock), so the
        seed always has requests overdue, due within the day and due later.
        """
        with self.writing() as db:
            if db.execute("SELECT 1 FROM shops LIMIT 1").fetchone():
                return False
            data = seed.generate(int(self._now()) if now is None else now)
            db.executemany(
                "INSERT INTO shops VALUES (?, ?, ?, ?, ?)",
                [(s.shop_id, s.name, s.region, s.currency, s.cipher) for s in data.shops],
            )
            for order in data.returns:
                _insert_return(db, order)
            return True

    def reseed_returns(self, now: int | None = None) -> None:
        """Every shop's return requests as the seed makes them, decisions forgotten; the
        shops and the sellers' authorizations stay (what a test starting afresh needs)."""
        with self.writing() as db:
            for table in ("decisions", "return_line_items", "returns"):
                db.execute(f"DELETE FROM {table}")
            for order in seed.generate(int(self._now()) if now is None else now).returns:
                _insert_return(db, order)

    def add_pending_return(self, shop_id: str) -> dict:
        """A new return request for the shop, created now, waiting for the seller
        (what a buyer asking for a refund does); ReturnNotFound for no such shop."""
        shop = self.get_shop(shop_id)
        if shop is None:
            raise ReturnNotFound(f"shop {shop_id} is not a sandbox shop")
        with self.writing() as db:
            taken = {row[0] for row in db.execute("SELECT return_id FROM returns")}
            taken |= {row[0] for row in db.execute("SELECT order_id FROM returns")}
            order = seed.new_request(shop, int(self._now()), random.Random(), taken)
            _insert_return(db, order)
            queued = self._return_changed(db, order.return_id, "BUYER")
            created = self._return_orders(db, [self._row(db, order.return_id)])[0]
        self.after_commit(queued)
        return created

    def cancel_return(self, shop_id: str, return_id: str) -> dict:
        """The buyer withdraws a request still waiting for the seller; the return as it
        is now. ReturnNotFound, or ReturnNotPending once the seller has decided."""
        with self.writing() as db:
            row = self._find_return(db, shop_id, return_id)
            if row["return_status"] != model.REQUEST_PENDING:
                raise ReturnNotPending(return_id, row["return_status"])
            db.execute("UPDATE returns SET return_status = ?, update_time = ?, respond_by = NULL"
                       " WHERE return_id = ?", (model.REQUEST_CANCEL, int(self._now()), return_id))
            queued = self._return_changed(db, return_id, "BUYER")
            cancelled = self._return_orders(db, [self._row(db, return_id)])[0]
        self.after_commit(queued)
        return cancelled

    def get_shop(self, shop_id: str) -> Shop | None:
        with self.reading() as db:
            row = db.execute("SELECT * FROM shops WHERE shop_id = ?", (shop_id,)).fetchone()
        return Shop(**row) if row else None

    def shop_by_cipher(self, cipher: str) -> Shop | None:
        with self.reading() as db:
            row = db.execute("SELECT * FROM shops WHERE cipher = ?", (cipher,)).fetchone()
        return Shop(**row) if row else None

    def shops(self) -> list[Shop]:
        with self.reading() as db:
            return [Shop(**row) for row in db.execute("SELECT * FROM shops ORDER BY shop_id")]

    def pending_count(self, shop_id: str) -> int:
        """How many of the shop's returns wait for the seller (a deadline is set)."""
        with self.reading() as db:
            row = db.execute("SELECT COUNT(*) FROM returns WHERE shop_id = ?"
                             " AND respond_by IS NOT NULL", (shop_id,))
            return row.fetchone()[0]

    def search_returns(
        self,
        shop_id: str,
        statuses: Sequence[str] = (),
        return_ids: Sequence[str] = (),
        page_size: int = 20,
        after: tuple[int, str] | None = None,
        *,
        return_types: Sequence[str] = (),
        order_ids: Sequence[str] = (),
        time_bounds: Sequence[tuple[str, str, int]] = (),
        sort_field: str = "create_time",
        ascending: bool = False,
    ) -> ReturnsPage:
        """The shop's returns, newest first (or by ``sort_field``, ``ascending``),
        optionally only those in ``statuses``, of ``return_types``, with one of
        ``return_ids`` or ``order_ids``, within ``time_bounds`` (``("update_time",
        ">=", t)``, operators >= and <), starting after the cursor ``after``."""
        if sort_field not in SORT_FIELDS:
            raise ValueError(f"sort_field must be one of {', '.join(SORT_FIELDS)}")
        where, params = ["shop_id = ?"], [shop_id]
        for column, values in (("return_status", statuses), ("return_id", return_ids),
                               ("return_type", return_types), ("order_id", order_ids)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        for column, operator, value in time_bounds:
            if column not in SORT_FIELDS or operator not in TIME_BOUNDS:
                raise ValueError(f"no time bound {column} {operator}")
            where.append(f"{column} {TIME_BOUNDS[operator]} ?")
            params.append(value)
        filtered = " AND ".join(where)
        direction, beyond = ("ASC", ">") if ascending else ("DESC", "<")
        with self.reading() as db, self._transaction(db):  # one snapshot for all three reads
            total = db.execute(f"SELECT COUNT(*) FROM returns WHERE {filtered}", params)
            total_count = total.fetchone()[0]
            page_filter, page_params = filtered, list(params)
            if after is not None:
                page_filter += f" AND ({sort_field}, return_id) {beyond} (?, ?)"
                page_params.extend(after)
            rows = db.execute(
                f"SELECT * FROM returns WHERE {page_filter}"
                f" ORDER BY {sort_field} {direction}, return_id {direction} LIMIT ?",
                [*page_params, page_size + 1],
            ).fetchall()
            page = rows[:page_size]
            orders = self._return_orders(db, page)
        next_cursor = None
        if len(rows) > page_size:
            next_cursor = (page[-1][sort_field], page[-1]["return_id"])
        return ReturnsPage(orders, total_count, next_cursor)

    def reject_reasons(self, shop_id: str, return_id: str) -> tuple[model.RejectReason, ...]:
        """The reasons the seller may give for rejecting this return in its current status."""
        with self.reading() as db:
            row = self._find_return(db, shop_id, return_id)
        stage = model.decision_stage(row["return_type"], row["return_status"])
        if stage is None:
            raise ReturnNotPending(return_id, row["return_status"])
        return stage.reject_reasons

    def decide(self, shop_id: str, request: DecisionRequest) -> dict:
        """Record the seller's decision once; the same request again replays the reply.

        Returns ``{return_id, decision, return_status, decided_at}``. Raises
        ReturnNotFound, ReturnNotPending, DecisionNotApplicable or IdempotencyKeyReused.
        """
        with self.writing() as db:
            earlier = db.execute(
                "SELECT * FROM decisions WHERE shop_id = ? AND idempotency_key = ?",
                (shop_id, request.idempotency_key),
            ).fetchone()
            if earlier is not None:
                if _same_request(earlier, request):
                    return _decision_reply(earlier)
                raise IdempotencyKeyReused(
                    f"idempotency_key {request.idempotency_key!r} was already used "
                    f"for {earlier['decision']} on return {earlier['return_id']}"
                )
            order = self._find_return(db, shop_id, request.return_id)
            return_type, status = order["return_type"], order["return_status"]
            if request.decision not in model.decisions_for_type(return_type):
                raise DecisionNotApplicable(
                    f"{request.decision} does not apply to a {return_type} return"
                )
            stage = model.decision_stage(return_type, status)
            if stage is None or request.decision not in (stage.approve, stage.reject):
                if status == model.REQUEST_PENDING:
                    # A decision on the returned package, before anything was sent back.
                    raise DecisionNotApplicable(
                        f"{request.decision} does not apply while the request is pending; "
                        f"decide with {stage.approve} or {stage.reject}"
                    )
                raise ReturnNotPending(request.return_id, status)
            if request.decision == stage.reject and not stage.reject_reason(
                request.reject_reason or ""
            ):
                raise DecisionNotApplicable(
                    f"reject_reason {request.reject_reason!r} is not a reason for "
                    f"{request.decision}; ask reject_reasons for the list"
                )
            new_status = stage.status_after(request.decision)
            now = int(self._now())
            changed = db.execute(
                "UPDATE returns SET return_status = ?, update_time = ?, respond_by = NULL"
                " WHERE return_id = ? AND shop_id = ? AND return_status = ?",
                (new_status, now, request.return_id, shop_id, status),
            )
            if changed.rowcount != 1:
                raise ReturnNotPending(request.return_id, status)
            cursor = db.execute(
                "INSERT INTO decisions (shop_id, return_id, decided_status, new_status, decision,"
                " reject_reason, comment, decided_at, idempotency_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (shop_id, request.return_id, status, new_status, request.decision,
                 request.reject_reason, request.comment, now, request.idempotency_key),
            )
            reply = _decision_reply(cursor.fetchone())
            queued = self._return_changed(db, request.return_id, "SELLER")
        self.after_commit(queued)
        return reply

    def decision_count(self, return_id: str) -> int:
        """How many decisions were ever recorded on a return (seeded history included)."""
        with self.reading() as db:
            row = db.execute("SELECT COUNT(*) FROM decisions WHERE return_id = ?", (return_id,))
            return row.fetchone()[0]

    def after_commit(self, queued: bool) -> None:
        """Call after a transaction that queued a delivery committed: the sender wakes.
        (``authorizations`` writes to this store too.)"""
        if queued:
            self.on_queued()

    # -- internals ---------------------------------------------------------

    def _return_changed(self, db: sqlite3.Connection, return_id: str, role: str) -> bool:
        """Queue the change's webhook in this transaction; whether one was queued."""
        return (self.events is not None
                and self.events.return_changed(db, return_id, role) is not None)

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are opened explicitly (BEGIN IMMEDIATE
        # for writes), never implicitly by the sqlite3 module.
        db = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, much faster
        return db

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own (rows as sqlite3.Row), closed afterwards."""
        with closing(self._connect()) as db:
            yield db

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A connection in a BEGIN IMMEDIATE transaction: writers take turns."""
        with closing(self._connect()) as db, self._transaction(db, "IMMEDIATE"):
            yield db

    @staticmethod
    @contextmanager
    def _transaction(db: sqlite3.Connection, mode: str = "DEFERRED") -> Iterator[None]:
        db.execute(f"BEGIN {mode}")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @staticmethod
    def _create_schema(db: sqlite3.Connection) -> None:
        for table in TABLES:
            db.execute(f"DROP TABLE IF EXISTS {table}")
        _run_schema(db, SCHEMA)
        _run_schema(db, events_schema.SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    def _row(db: sqlite3.Connection, return_id: str) -> sqlite3.Row:
        return db.execute("SELECT * FROM returns WHERE return_id = ?", (return_id,)).fetchone()

    @staticmethod
    def _find_return(db: sqlite3.Connection, shop_id: str, return_id: str) -> sqlite3.Row:
        row = db.execute(
            "SELECT return_type, return_status FROM returns WHERE return_id = ? AND shop_id = ?",
            (return_id, shop_id),
        ).fetchone()
        if row is None:
            raise ReturnNotFound(f"return {return_id} was not found in this shop")
        return row

    @staticmethod
    def _return_orders(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict]:
        if not rows:
            return []
        ids = [row["return_id"] for row in rows]
        marks = ", ".join("?" * len(ids))
        items: dict[str, list[dict]] = {return_id: [] for return_id in ids}
        for item in db.execute(
            f"SELECT * FROM return_line_items WHERE return_id IN ({marks})"
            " ORDER BY return_id, position",
            ids,
        ):
            items[item["return_id"]].append(item)
        latest_decision: dict[str, sqlite3.Row] = {}
        for decision in db.execute(
            f"SELECT * FROM decisions WHERE return_id IN ({marks}) ORDER BY decision_id", ids
        ):
            latest_decision[decision["return_id"]] = decision
        return [
            _return_order(row, items[row["return_id"]], latest_decision.get(row["return_id"]))
            for row in rows
        ]


def _nothing() -> None:
    pass


def _run_schema(db: sqlite3.Connection, schema: str) -> None:
    # Not executescript(): it would commit the transaction this runs in.
    for statement in schema.split(";"):
        if statement.strip():
            db.execute(statement)


def _insert_return(db: sqlite3.Connection, order: seed.SeedReturn) -> None:
    db.execute(
        "INSERT INTO returns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (order.return_id, order.shop_id, order.order_id, order.return_type,
         order.return_status, order.return_reason, order.return_reason_text,
         order.create_time, order.update_time, order.respond_by, order.currency,
         order.refund_subtotal, order.refund_shipping_fee, order.refund_tax,
         order.refund_total),
    )
    db.executemany(
        "INSERT INTO return_line_items VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(order.return_id, position, item.sku_id, item.product_name,
          item.sku_name, item.seller_sku, item.refund_total)
         for position, item in enumerate(order.line_items)],
    )
    for past in order.history:
        db.execute(
            "INSERT INTO decisions (shop_id, return_id, decided_status, new_status,"
            " decision, reject_reason, comment, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (order.shop_id, order.return_id, past.decided_status, past.new_status,
             past.decision, past.reject_reason, past.comment, past.decided_at),
        )


def _return_order(row: sqlite3.Row, items: list, decision: sqlite3.Row | None) -> dict:
    currency = row["currency"]
    stage = model.decision_stage(row["return_type"], row["return_status"])
    next_actions = []
    if stage is not None and row["respond_by"] is not None:
        next_actions.append({"action": stage.next_action, "deadline": row["respond_by"]})
    return {
        "return_id": row["return_id"],
        "order_id": row["order_id"],
        "return_type": row["return_type"],
        "return_status": row["return_status"],
        "return_reason": row["return_reason"],
        "return_reason_text": row["return_reason_text"],
        "create_time": row["create_time"],
        "update_time": row["update_time"],
        "seller_next_action_response": next_actions,
        "return_line_items": [
            {
                "sku_id": item["sku_id"],
                "product_name": item["product_name"],
                "sku_name": item["sku_name"],
                "seller_sku": item["seller_sku"],
                "refund_amount": {"currency": currency, "refund_total": item["refund_total"]},
            }
            for item in items
        ],
        "refund_amount": {
            "currency": currency,
            "refund_total": row["refund_total"],
            "refund_subtotal": row["refund_subtotal"],
            "refund_shipping_fee": row["refund_shipping_fee"],
            "refund_tax": row["refund_tax"],
        },
        # Sandbox addition (not in TikTok's API): the seller's latest decision.
        "seller_decision": _seller_decision(decision) if decision is not None else None,
    }


def _seller_decision(row: sqlite3.Row) -> dict:
    reason = row["reject_reason"]
    return {
        "decision": row["decision"],
        "decided_at": row["decided_at"],
        "reject_reason": reason,
        "reject_reason_text": model.reject_reason_text(reason) if reason else None,
        "comment": row["comment"],
    }


def _same_request(row: sqlite3.Row, request: DecisionRequest) -> bool:
    return (row["return_id"], row["decision"], row["reject_reason"], row["comment"]) == (
        request.return_id, request.decision, request.reject_reason, request.comment,
    )


def _decision_reply(row: sqlite3.Row) -> dict:
    return {
        "return_id": row["return_id"],
        "decision": row["decision"],
        "return_status": row["new_status"],
        "decided_at": row["decided_at"],
    }
