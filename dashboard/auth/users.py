"""The users file: who may log in, with which role, and their password hash.

``data/users.yaml`` by default (beside ``settings.yaml``; env ``BIBPLAN_USERS_FILE`` wins)::

    users:
      - name: anna
        role: administratör
        password_hash: "scrypt:32768:8:1$...$..."
      - name: bestallare
        role: läsare
        password_hash: "scrypt:32768:8:1$...$..."

The file holds only salted hashes, never passwords, but it must still not be world-readable
(a hash can be attacked offline): ``bibplan user add`` writes it with mode 0600.  A user without
``password_hash`` cannot log in with a password; such entries give a role to a user name that a
trusted reverse proxy authenticates (see :mod:`dashboard.auth.web`).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from dashboard.auth.passwords import looks_like_hash
from dashboard.auth.roles import Role
from etl.config import parse_model, read_yaml, settings_path

USERS_FILE_ENV = "BIBPLAN_USERS_FILE"
USERS_FILE_NAME = "users.yaml"
#: User names: letters (å, ä, ö too), digits and . _ - @ \ (e-mail and DOMÄN\\namn forms).
NAME_RE = re.compile(r"^[\w.@\\-]{1,100}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserEntry(_Model):
    name: str
    role: Role
    password_hash: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, v: str) -> str:
        if not NAME_RE.fullmatch(v):
            raise ValueError(
                "ogiltigt användarnamn; använd bokstäver, siffror och . _ - @ (inga mellanslag), "
                "högst 100 tecken"
            )
        return v

    @field_validator("password_hash")
    @classmethod
    def _is_hash(cls, v: str | None) -> str | None:
        if v is not None and not looks_like_hash(v):
            raise ValueError(
                "ser inte ut som en lösenordshash (skriv aldrig lösenord i filen); "
                "sätt lösenordet med: bibplan user add NAMN --role ROLL --replace"
            )
        return v


class UsersFile(_Model):
    users: list[UserEntry] = []

    @model_validator(mode="after")
    def _unique_names(self) -> "UsersFile":
        seen: set[str] = set()
        for u in self.users:
            key = u.name.casefold()
            if key in seen:
                raise ValueError(f"användaren {u.name!r} finns två gånger; ta bort den ena")
            seen.add(key)
        return self

    def find(self, name: str) -> UserEntry | None:
        """The user called ``name`` (case-insensitive, as directory user names are)."""
        key = name.strip().casefold()
        return next((u for u in self.users if u.name.casefold() == key), None)


def default_users_path() -> Path:
    """Env ``BIBPLAN_USERS_FILE``, else ``users.yaml`` beside the settings file (``data/``)."""
    if env := os.environ.get(USERS_FILE_ENV):
        return Path(env)
    return settings_path().parent / USERS_FILE_NAME


def load_users(path: Path | str) -> UsersFile:
    """Read and check the users file; a missing file means no users.  Raises
    ``etl.config.ConfigError`` naming the file, the key and the fix."""
    path = Path(path)
    if not path.exists():
        return UsersFile()
    return parse_model(UsersFile, read_yaml(path), path)


def has_users(path: Path | str) -> bool:
    return bool(load_users(path).users)


def save_users(path: Path | str, users: UsersFile) -> None:
    """Write the users file atomically with mode 0600 (owner read/write only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# bibplan users. Holds salted password hashes only; keep this file private (mode 0600).\n"
        "# Change it with `bibplan user add|remove`; roles: läsare, redaktör, administratör.\n"
    )
    body = yaml.safe_dump(
        users.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False
    )
    fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(header + body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_user(
    path: Path | str, name: str, role: str, password_hash: str | None, *, replace: bool = False
) -> UserEntry:
    """Add (or with ``replace`` update) a user; raises ``ValueError`` in Swedish if it exists."""
    users = load_users(path)
    existing = users.find(name)
    if existing is not None and not replace:
        raise ValueError(
            f"användaren {existing.name!r} finns redan; ange --replace för att byta roll och lösenord"
        )
    try:
        entry = UserEntry(name=name, role=role, password_hash=password_hash)
    except ValidationError as exc:
        msgs = [e["msg"].removeprefix("Value error, ") for e in exc.errors()]
        raise ValueError(f"{name!r}: " + "; ".join(msgs)) from None
    kept = [u for u in users.users if u is not existing]
    save_users(path, UsersFile(users=[*kept, entry]))
    return entry


def remove_user(path: Path | str, name: str) -> UserEntry:
    """Remove a user; raises ``ValueError`` in Swedish if there is none by that name."""
    users = load_users(path)
    existing = users.find(name)
    if existing is None:
        raise ValueError(f"det finns ingen användare {name!r} i {path}")
    save_users(path, UsersFile(users=[u for u in users.users if u is not existing]))
    return existing


def world_readable(path: Path | str) -> bool:
    """Can users other than the owner (group or others) read the file?"""
    path = Path(path)
    return path.exists() and bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))


@dataclass
class _Cached:
    stamp: tuple[int, int] | None
    users: UsersFile


class UsersCache:
    """The users file, re-read when it changes on disk (mtime and size), so that a user removed or
    given a new role with the CLI takes effect on the next request of a running app."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._cached: _Cached | None = None

    def get(self) -> UsersFile:
        try:
            st = self.path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if self._cached is None or self._cached.stamp != stamp:
            self._cached = _Cached(stamp, load_users(self.path) if stamp else UsersFile())
        return self._cached.users


__all__ = [
    "UserEntry",
    "UsersFile",
    "UsersCache",
    "add_user",
    "default_users_path",
    "has_users",
    "load_users",
    "remove_user",
    "save_users",
    "world_readable",
]
