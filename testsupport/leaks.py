"""A watch, over the whole test run, for secrets and widget tokens where they must not be.

    WATCH.watch_log(server.log_path, server.data_dir)      # servers.py, every server
    WATCH.watch_log(log_path, workdir, [secret], credentials_db=sandbox_credentials_db(dir))
    WATCH.check_response(url, content_type, headers, body, secrets_of(data_dir))
    WATCH.check_logs()     # at the end; WATCH.findings say where, never what leaked

Watched: every line logged by every serve.py the tests start, every text
response a TestClient gets from an app of ours, and every text response the
browser tests' pages get from the session server (``fixtures`` hooks all
three). A response may carry no secret (the sandbox's token secret, the
backend's session and encryption secrets, the app secret); a widget token may
appear only in the token endpoint's replies, never in a page, script, config
or other reply, and a log line may carry no secret, no token, no session
cookie and no credential TikTok (the sandbox) issued: auth codes, access and
refresh tokens. Those are random, made during the run: the watch asks the
sandbox for them at the end, from its database (``credentials``, which keeps
each one's SHA-256 digest: every word of a log line is hashed and looked up).
At the end of every test session that loaded this module, whatever subset of
the tests ran, tests/conftest.py calls ``WATCH.verdict()`` and fails the run
on any finding.
"""

import hashlib
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from devserver.settings import SANDBOX_MOUNT, Settings
from tiktokshop_backend import COOKIE_NAME
from tiktokshop_sandbox import OPEN_API_MOUNT, SANDBOX_APP_SECRET, WIDGET_TOKEN_PATH, SandboxSettings
from tiktokshop_widgets.backend import TOKEN_PATH

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
SESSION_COOKIE = re.compile(re.escape(COOKIE_NAME) + r"=[^;\s\"']{16,}")
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/toml")
# The mirror's files are npm's bytes, megabytes of them: nothing of ours is in there.
MIRROR_PREFIX = "/cdn/"
# Where widget tokens may be served: the ISV's token endpoint (under any mount), and
# the sandbox's widget-token call (TikTok minting them for the ISV's backend).
TOKEN_REPLY_PATHS = (TOKEN_PATH, SANDBOX_MOUNT + OPEN_API_MOUNT + WIDGET_TOKEN_PATH)
# Words that may be a credential the sandbox issued (secrets.token_urlsafe: 43 of these).
CREDENTIAL_WORD = re.compile(r"[A-Za-z0-9_-]{20,}")
CREDENTIAL_NAMES = {"auth_code": "an OAuth code", "access_token": "an access token",
                    "refresh_token": "a refresh token"}


def secrets_of(data_dir: Path) -> list[str]:
    """The secrets of a serve.py with ``data_dir``: the sandbox's token secret, the
    backend's session and encryption secrets (files there), and the app secret."""
    settings = Settings(data_dir=data_dir)
    paths = (settings.secret_path, settings.session_secret_path,
             settings.encryption_secret_path)
    return [SANDBOX_APP_SECRET, *(path.read_text().strip() for path in paths if path.is_file())]


def sandbox_credentials_db(data_dir: Path) -> Path:
    """Where a sandbox with ``data_dir`` keeps what it issued (a serve.py's: its data dir)."""
    return SandboxSettings(data_dir=data_dir).db_path


def issued_credentials(db_path: Path) -> dict[str, str]:
    """SHA-256 digest -> kind (auth_code, access_token, refresh_token) of every credential
    the sandbox at ``db_path`` issued; none when it has no database."""
    if not db_path.is_file():
        return {}
    with closing(sqlite3.connect(db_path)) as db:
        return dict(db.execute("SELECT digest, kind FROM credentials"))


def credentials_in(line: str, issued: dict[str, str]) -> list[str]:
    """The kinds of the issued credentials ``line`` carries."""
    return [issued[digest] for word in CREDENTIAL_WORD.findall(line)
            if (digest := hashlib.sha256(word.encode()).hexdigest()) in issued]


def is_watched_text(url: str, content_type: str) -> bool:
    return content_type.startswith(TEXT_TYPES) and not urlsplit(url).path.startswith(MIRROR_PREFIX)


@dataclass
class LeakWatch:
    findings: list[str] = field(default_factory=list)
    responses_checked: int = 0
    token_replies_seen: int = 0
    log_lines_checked: int = 0
    # log path -> (data dir, secrets, the databases of the sandboxes it may hold credentials of)
    logs: dict[Path, tuple[Path, tuple[str, ...], tuple[Path, ...]]] = field(
        default_factory=dict)

    def watch_log(self, log_path: Path, data_dir: Path, secrets=(),
                  credentials_db: Path | None = None) -> None:
        """Watch the log at ``log_path`` for the secrets in ``data_dir`` and ``secrets``,
        and the credentials of the sandbox at ``credentials_db`` (default: ``data_dir``'s,
        as a serve.py keeps it). Watching a log again adds to what is looked for."""
        _, known, databases = self.logs.get(log_path, (data_dir, (), ()))
        self.logs[log_path] = (data_dir, (*known, *secrets),
                               (*databases, credentials_db or sandbox_credentials_db(data_dir)))

    def check_response(self, url: str, content_type: str, headers: str, body: str,
                       secrets: list[str]) -> None:
        if not is_watched_text(url, content_type):
            return
        self.responses_checked += 1
        path = urlsplit(url).path
        if any(secret in headers or secret in body for secret in secrets):
            self.findings.append(f"{path} ({content_type}) served a signing secret")
        if JWT.search(body):
            if path.endswith(TOKEN_REPLY_PATHS):  # the ISV may mount its backend anywhere
                self.token_replies_seen += 1
            else:
                self.findings.append(f"{path} ({content_type}) served a widget token")

    def verdict(self) -> tuple[str, bool]:
        """What the watch saw over the run, in one line, and whether that is clean.

        The logs are read now: a server writes until it stops."""
        self.check_logs()
        summary = (f"leak watch: {self.log_lines_checked} log lines of {len(self.logs)} "
                   f"server runs, {self.responses_checked} text responses "
                   f"({self.token_replies_seen} of them token replies)")
        if self.findings:
            summary += ": LEAKS FOUND\n  " + "\n  ".join(self.findings)
        return summary, not self.findings

    def check_logs(self) -> None:
        for log_path, (data_dir, given, databases) in self.logs.items():
            secrets = [*secrets_of(data_dir), *given]
            issued = {digest: kind for db in databases
                      for digest, kind in issued_credentials(db).items()}
            for number, line in enumerate(log_path.read_text(errors="replace").splitlines(), 1):
                self.log_lines_checked += 1
                where = f"{log_path}:{number}"
                if any(secret in line for secret in secrets):
                    self.findings.append(f"{where} logs a signing secret")
                for kind in credentials_in(line, issued):
                    self.findings.append(f"{where} logs {CREDENTIAL_NAMES[kind]} TikTok issued")
                if JWT.search(line):
                    self.findings.append(f"{where} logs a widget token")
                if SESSION_COOKIE.search(line):
                    self.findings.append(f"{where} logs a session cookie")


WATCH = LeakWatch()
