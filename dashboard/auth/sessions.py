"""Server-side session records and login throttling, shared by every worker of one installation.

The session cookie is signed, so it cannot be forged, but a copy of it would stay valid until it
times out.  Each login therefore gets a random session id, recorded here; a request whose id is
missing or revoked is not logged in.  Logging out revokes the id at once, so the cookie is dead
even if someone kept a copy.  (A removed user, or one whose password changed, is refused by
``dashboard.auth.web`` from the users file itself.)

Failed logins are counted per user name and per client address.  After a few failures the next
attempt has to wait, longer after each further failure (:func:`lockout_seconds`); an attempt
inside the wait is answered at once with the Swedish lockout message, without checking the
password and without sleeping, so throttled clients never hold a worker.

Both live in a small SQLite file beside the users file (``.bibplan-sessions.sqlite``, mode 0600),
which all gunicorn workers on the machine share; it holds no passwords, only random ids, user
names, client addresses and times.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from pathlib import Path

SESSIONS_FILE_NAME = ".bibplan-sessions.sqlite"
#: Failures allowed before any wait, per user name and per client address (many users may share
#: one address behind a municipality's NAT, so the address gets more).
FREE_FAILURES = {"user": 3, "addr": 10}
#: The first wait (seconds); it doubles with every further failure, up to :data:`MAX_LOCKOUT_S`.
FIRST_LOCKOUT_S = 2.0
MAX_LOCKOUT_S = 15 * 60.0
#: Failures older than this are forgotten.
FAILURE_WINDOW_S = 60 * 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created REAL NOT NULL,
    revoked REAL
);
CREATE INDEX IF NOT EXISTS ix_sessions_user ON sessions(user);
CREATE TABLE IF NOT EXISTS login_failures (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_login_failures ON login_failures(scope, key, at);
"""


def sessions_path(users_path: Path | str) -> Path:
    return Path(users_path).parent / SESSIONS_FILE_NAME


def lockout_seconds(failures: int, scope: str) -> float:
    """How long after the latest failure the next attempt must wait, given ``failures`` recent
    failures for one user name (``scope="user"``) or one address (``"addr"``)."""
    over = failures - FREE_FAILURES[scope]
    if over < 0:
        return 0.0
    return min(FIRST_LOCKOUT_S * 2.0**over, MAX_LOCKOUT_S)


class SessionRegistry:
    """The sessions and failed logins of one installation (see the module docstring)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        with self._conn() as conn:
            conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    # ------------------------------------------------------------------ sessions
    def start(self, user: str, now: float) -> str:
        """Record a new session of ``user``; returns its id (for the cookie)."""
        sid = secrets.token_urlsafe(24)
        self._conn().execute("INSERT INTO sessions (sid, user, created) VALUES (?, ?, ?)", (sid, user, now))
        return sid

    def is_active(self, sid: str | None, user: str) -> bool:
        if not sid:
            return False
        row = self._conn().execute("SELECT user, revoked FROM sessions WHERE sid = ?", (str(sid),)).fetchone()
        return row is not None and row[1] is None and row[0].casefold() == user.casefold()

    def revoke(self, sid: str | None, now: float) -> None:
        if sid:
            self._conn().execute("UPDATE sessions SET revoked = ? WHERE sid = ? AND revoked IS NULL", (now, str(sid)))

    def revoke_user(self, user: str, now: float) -> int:
        """End every session of ``user`` (e.g. after a password change); returns how many."""
        return self._conn().execute(
            "UPDATE sessions SET revoked = ? WHERE lower(user) = lower(?) AND revoked IS NULL", (now, user)
        ).rowcount

    def forget_before(self, cutoff: float) -> None:
        """Drop session records created before ``cutoff`` and old failures (housekeeping)."""
        conn = self._conn()
        conn.execute("DELETE FROM sessions WHERE created < ?", (cutoff,))
        conn.execute("DELETE FROM login_failures WHERE at < ?", (cutoff,))

    # ------------------------------------------------------------------ throttling
    def wait_seconds(self, user: str, addr: str, now: float) -> tuple[float, str]:
        """Seconds left before a login for ``user`` from ``addr`` may be tried, and which limit
        (``"user"`` / ``"addr"``) holds it; ``(0, "")`` when it may be tried now."""
        worst = (0.0, "")
        for scope, key in (("user", user.casefold()), ("addr", addr)):
            n, last = self._conn().execute(
                "SELECT COUNT(*), MAX(at) FROM login_failures WHERE scope = ? AND key = ? AND at > ?",
                (scope, key, now - FAILURE_WINDOW_S),
            ).fetchone()
            if not n:
                continue
            left = last + lockout_seconds(n, scope) - now
            if left > worst[0]:
                worst = (left, scope)
        return worst

    def failed(self, user: str, addr: str, now: float) -> None:
        self._conn().executemany(
            "INSERT INTO login_failures (scope, key, at) VALUES (?, ?, ?)",
            [("user", user.casefold(), now), ("addr", addr, now)],
        )

    def succeeded(self, user: str, addr: str) -> None:
        """A correct password clears the user name's failures (not the address's: one address
        guessing many names stays throttled)."""
        self._conn().execute("DELETE FROM login_failures WHERE scope = 'user' AND key = ?", (user.casefold(),))


__all__ = ["SessionRegistry", "lockout_seconds", "sessions_path"]
