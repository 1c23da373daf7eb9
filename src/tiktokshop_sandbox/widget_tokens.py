"""Sandbox widget tokens: HS512 JWTs bound to a shop and an app key.

    signer = TokenSigner(load_or_create_secret(path), app_key="6sandboxapp01", ttl=300,
                         clock=Clock())
    issued = signer.issue("7495610000000000001")   # issued.token, issued.expire_at
    claims = signer.verify(issued.token)              # raises TokenExpired / TokenInvalid

TikTok's widget tokens look like HS512 JWTs, so the sandbox issues the same kind.
Only the sandbox mints them (the Open API's widget-token call) and its widget
API verifies them with the same secret, the way TikTok both issues and checks
its own. Lifetimes run on the sandbox clock, not PyJWT's wall time, so that
advancing the clock expires them.
"""

import os
import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

ALGORITHM = "HS512"
ISSUER = "sandbox-widget-platform"
MIN_SECRET_BYTES = 32


class SecretUnfit(ValueError):
    """A signing secret is too short, or equals the other one; the message says
    which, and where the secret came from."""


class TokenExpired(Exception):
    """The token's signature is good but its ``exp`` has passed."""


class TokenInvalid(Exception):
    """The token is malformed, forged, or was not issued by this platform."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expire_at: int


@dataclass(frozen=True)
class TokenClaims:
    shop_id: str
    app_key: str
    expire_at: int


class TokenSigner:
    def __init__(self, secret: bytes, app_key: str, ttl: int, clock=None):
        if len(secret) < MIN_SECRET_BYTES:
            raise SecretUnfit(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self.app_key = app_key
        self.ttl = ttl
        self._now = time.time if clock is None else clock.now

    def issue(self, shop_id: str, ttl: int | None = None) -> IssuedToken:
        now = int(self._now())
        expire_at = now + (self.ttl if ttl is None else ttl)
        claims = {
            "iss": ISSUER,
            "shop_id": shop_id,
            "app_key": self.app_key,
            "iat": now,
            "exp": expire_at,
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), expire_at)

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                # Time is checked below, on the sandbox clock.
                options={"require": ["exp", "iat", "iss", "shop_id", "app_key"],
                         "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid("widget token is invalid") from exc
        if (not isinstance(claims["shop_id"], str) or not isinstance(claims["app_key"], str)
                or not isinstance(claims["exp"], int)):
            raise TokenInvalid("widget token is invalid")
        if claims["exp"] <= self._now():
            raise TokenExpired("widget token is expired")
        return TokenClaims(claims["shop_id"], claims["app_key"], int(claims["exp"]))


def load_or_create_secret(path: Path, environ=None, variable: str | None = None) -> bytes:
    """A signing secret: from ``variable`` in ``environ`` (when both are given),
    else the file at ``path``, else made now (mode 0600, never printed);
    SecretUnfit if too short.

    Two servers may start together on one data dir, so a new secret is written
    to a temporary file first and published under ``path`` in one step
    (a hard link, which fails if ``path`` exists): a reader finds no file or a
    whole one, and the server that loses the race uses the winner's secret.
    """
    if variable and environ and environ.get(variable):
        return _long_enough(environ[variable].encode(), variable)
    try:
        return _long_enough(path.read_bytes().strip(), path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(64).encode()
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secret)
        os.link(draft, path)
    except FileExistsError:  # another server published its secret first
        return _long_enough(path.read_bytes().strip(), path)
    finally:
        os.unlink(draft)
    return secret


def _long_enough(secret: bytes, source: str | Path) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        remedy = ": delete the file to have a new one made" if isinstance(source, Path) else ""
        raise SecretUnfit(f"the secret in {source} must be at least {MIN_SECRET_BYTES} "
                          f"bytes{remedy}")
    return secret
