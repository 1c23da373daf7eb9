"""An ISV's own FastAPI app: its users sign in with its own login, and each links the
TikTok Shop seller they connect, through the backend mounted at ``/tiktok``.

    # the backend's TIKTOKSHOP_* variables (README.md, "Going live"), and this app's:
    ISV_SESSION_SECRET=... ISV_DB_PATH=isv.sqlite3 \\
        uvicorn --factory examples.fastapi_app.app:from_environ

    app = create_isv_app(BackendSettings(...), session_secret="...", db_path=Path(...))

The pieces an ISV writes (the rest is ``tiktokshop_backend``):

- **Its users and login.** ``Users``: a SQLite table of users (scrypt password
  hashes) with the TikTok seller each one linked; ``POST /signup``,
  ``POST /signin``, ``POST /signout`` with its own session cookie (Starlette's
  ``SessionMiddleware``, ``request.session["user"]``).
- **The seller hook** (``seller_hook``): the backend asks it who the seller of a
  request is; it answers with the signed-in user's TikTok ``open_id``, or None
  (the page then hears 401 with the backend's ``connect_url``).
- **Connected** (``on_seller_connected(request, seller)``): after TikTok's
  authorization, the backend hands over the seller; the app stores
  ``seller.open_id`` in the signed-in user's row (``request.session`` is this
  app's session, not the backend's). Nobody signed in: to the sign-in page.
- **Disconnected** (``on_seller_disconnected(seller)``): the seller's connection
  lapsed (TikTok refused or expired their refresh token); the app marks the link
  broken, and its page offers Connect again.

``GET /me`` is what the app's page would show: the user, and their TikTok Shop
connection. The PyScript page's ``backend_url`` is ``/tiktok``.
"""

import asyncio
import hashlib
import hmac
import os
import secrets
import sqlite3
from contextlib import asynccontextmanager, closing
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.middleware.sessions import SessionMiddleware

from tiktokshop_backend import START_PATH, BackendSettings, SellerProfile, create_app

BACKEND_MOUNT = "/tiktok"
SESSION_COOKIE = "isv_session"


class Users:
    """The ISV's user table: name, password hash, and the TikTok seller linked to each."""

    SCHEMA = """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY,
        salt BLOB NOT NULL,
        password_hash BLOB NOT NULL,
        tiktok_open_id TEXT UNIQUE,       -- the seller this user connected, if any
        tiktok_seller_name TEXT,
        tiktok_connected INTEGER NOT NULL DEFAULT 0   -- 0 once the connection lapsed
    )"""

    def __init__(self, path: Path):
        self.path = Path(path)
        with closing(self._connect()) as db, db:
            db.execute(self.SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def add(self, name: str, password: str) -> bool:
        """A new user; False if the name is taken."""
        salt = secrets.token_bytes(16)
        with closing(self._connect()) as db, db:
            inserted = db.execute("INSERT INTO users (name, salt, password_hash) VALUES (?, ?, ?) "
                                  "ON CONFLICT (name) DO NOTHING",
                                  (name, salt, _hash(password, salt)))
            return inserted.rowcount == 1

    def check(self, name: str, password: str) -> bool:
        with closing(self._connect()) as db:
            row = db.execute("SELECT salt, password_hash FROM users WHERE name = ?",
                             (name,)).fetchone()
        if row is None:
            _hash(password, b"\0" * 16)  # as slow as a real check: no user-name probing by time
            return False
        return hmac.compare_digest(_hash(password, row["salt"]), row["password_hash"])

    def link(self, name: str, seller: SellerProfile) -> None:
        """``name`` is ``seller`` on TikTok Shop; a seller belongs to one user (the last
        who connected it)."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE users SET tiktok_open_id = NULL, tiktok_connected = 0 "
                       "WHERE tiktok_open_id = ? AND name != ?", (seller.open_id, name))
            db.execute("UPDATE users SET tiktok_open_id = ?, tiktok_seller_name = ?, "
                       "tiktok_connected = 1 WHERE name = ?", (seller.open_id, seller.name, name))

    def lapsed(self, open_id: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("UPDATE users SET tiktok_connected = 0 WHERE tiktok_open_id = ?",
                       (open_id,))

    def get(self, name: str) -> sqlite3.Row | None:
        with closing(self._connect()) as db:
            return db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=256)


def create_isv_app(settings: BackendSettings, *, session_secret: str, db_path: Path,
                   **backend_args) -> FastAPI:
    """The ISV's app; ``backend_args`` go to ``tiktokshop_backend.create_app`` (a clock, say)."""
    users = Users(db_path)

    def signed_in(request: Request) -> str | None:
        name = request.session.get("user")
        return name if isinstance(name, str) else None

    async def seller_of_user(request: Request) -> str | None:
        """The seller hook: the signed-in user's TikTok seller, while connected."""
        name = signed_in(request)
        user = name and await asyncio.to_thread(users.get, name)
        return user["tiktok_open_id"] if user and user["tiktok_connected"] else None

    async def seller_connected(request: Request, seller: SellerProfile):
        name = signed_in(request)
        if name is None:  # signed out meanwhile: the seller signs in, then connects again
            return RedirectResponse("/?signin-to-connect", 302)
        await asyncio.to_thread(users.link, name, seller)
        return None  # the backend sends the browser on to its page_url

    async def seller_disconnected(seller: SellerProfile) -> None:
        await asyncio.to_thread(users.lapsed, seller.open_id)

    tiktok = create_app(settings, seller_hook=seller_of_user,
                        on_seller_connected=seller_connected,
                        on_seller_disconnected=seller_disconnected, **backend_args)

    @asynccontextmanager
    async def lifespan(app):
        yield
        await tiktok.state.backend.aclose()  # a mounted app's own lifespan does not run

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=session_secret,
                       session_cookie=SESSION_COOKIE, same_site="lax",
                       https_only=settings.cookie_secure == "always")
    app.mount(BACKEND_MOUNT, tiktok)

    @app.post("/signup", status_code=201)
    async def signup(credentials: Credentials) -> dict:
        if not await asyncio.to_thread(users.add, credentials.name, credentials.password):
            raise HTTPException(409, "that name is taken")
        return {"user": credentials.name}

    @app.post("/signin")
    async def signin(credentials: Credentials, request: Request) -> dict:
        if not await asyncio.to_thread(users.check, credentials.name, credentials.password):
            raise HTTPException(401, "wrong name or password")
        request.session.clear()  # a new session for the signed-in user
        request.session["user"] = credentials.name
        return {"user": credentials.name}

    @app.post("/signout")
    async def signout(request: Request) -> dict:
        request.session.clear()
        return {"user": None}

    @app.get("/me")
    async def me(request: Request) -> dict:
        name = signed_in(request)
        user = name and await asyncio.to_thread(users.get, name)
        if not user:
            raise HTTPException(401, "sign in first")
        linked = user["tiktok_open_id"] is not None
        return {"user": name, "connect_url": BACKEND_MOUNT + START_PATH, "tiktok": {
            "open_id": user["tiktok_open_id"], "seller_name": user["tiktok_seller_name"],
            "connected": bool(user["tiktok_connected"])} if linked else None}

    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return HOME_PAGE

    return app


def from_environ() -> FastAPI:
    """The app, configured by the environment (``uvicorn --factory``)."""
    return create_isv_app(BackendSettings.from_environ(),
                          session_secret=os.environ["ISV_SESSION_SECRET"],
                          db_path=Path(os.environ.get("ISV_DB_PATH", "isv.sqlite3")))


HOME_PAGE = """<!doctype html><html lang=en><meta charset=utf-8><title>My seller app</title>
<form id=signin><input name=name autocomplete=username aria-label=Name>
<input name=password type=password autocomplete=current-password aria-label=Password>
<button>Sign in</button></form>
<p id=status role=status></p><p><a id=connect href="/tiktok/auth/tiktok/start" hidden>Connect
your TikTok Shop</a></p>
<script type=module>
const status = document.getElementById("status"), connect = document.getElementById("connect");
async function show() {
  const me = await fetch("/me");
  if (!me.ok) { status.textContent = "Not signed in."; return; }
  const {user, tiktok} = await me.json();
  status.textContent = `Signed in as ${user}. ` + (tiktok && tiktok.connected
    ? `TikTok Shop: ${tiktok.seller_name}.` : "No TikTok Shop connected.");
  connect.hidden = Boolean(tiktok && tiktok.connected);
}
document.getElementById("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  await fetch("/signin", {method: "POST", headers: {"content-type": "application/json"},
    body: JSON.stringify({name: form.get("name"), password: form.get("password")})});
  show();
});
show();
</script></html>
"""
