"""The key that signs session cookies.

Order: an explicit key, env ``BIBPLAN_SECRET_KEY``, else a random key generated once and kept in
``.bibplan-secret-key`` beside the users file with mode 0600 (so sessions survive a restart and
all gunicorn workers share it).  Never commit that file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_ENV = "BIBPLAN_SECRET_KEY"
SECRET_FILE_NAME = ".bibplan-secret-key"


def secret_key_path(users_path: Path | str) -> Path:
    return Path(users_path).parent / SECRET_FILE_NAME


def resolve_secret_key(users_path: Path | str, explicit: str | bytes | None = None) -> str | bytes:
    if explicit:
        return explicit
    if env := os.environ.get(SECRET_ENV):
        return env
    return _file_key(secret_key_path(users_path))


def _file_key(path: Path) -> str:
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a temporary file with mode 0600, then link it into place: os.link fails if another
    # process (a second gunicorn worker) got there first, and then its key is used.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
